app-name = Vitals
language-short = RU
language-toggle = Переключить на английский
theme-dark = Включить тёмную тему
theme-light = Включить светлую тему
sidebar-toggle = Показать или скрыть меню
user-menu = Меню аккаунта
logout = Выйти

nav-label = Главное меню
nav-dashboard = Обзор
nav-activity = Активность
nav-vitals = Показатели
nav-calendar = Календарь
nav-settings = Настройки
nav-soon = Скоро

login-title = С возвращением
login-subtitle = Войдите в свой дневник здоровья
login-submit = Войти
login-busy = Входим…
login-no-account = Ещё нет аккаунта?
login-register-link = Создать

register-title = Создайте аккаунт
register-subtitle = Начните следить за тем, что помогает вам быть здоровым
register-submit = Создать аккаунт
register-busy = Создаём аккаунт…
register-have-account = Уже есть аккаунт?
register-login-link = Войти

field-email = Эл. почта
field-password = Пароль
field-confirm-password = Повторите пароль
field-username = Имя пользователя
field-full-name = Полное имя (необязательно)
field-remember-me = Запомнить меня на 30 дней
hint-username = От 3 до 50 латинских букв, цифр, «_», «.» или «-»
hint-password = Не меньше 8 символов и не больше 72 байт (около 36 русских букв)

error-email-required = Введите адрес эл. почты
error-email-invalid = Введите правильный адрес, например name@example.com
error-username-length = Имя пользователя должно быть от 3 до 50 символов
error-username-chars = Имя пользователя может содержать только латинские буквы, цифры, «_», «.» и «-»
error-password-short = Пароль должен быть не короче 8 символов
error-password-long = Пароль должен быть не длиннее 72 байт; используйте меньше символов
error-password-mismatch = Пароли не совпадают
error-password-required = Введите пароль
error-password-rules = Пароль должен быть от 8 символов до 72 байт
error-invalid-credentials = Неверная почта или пароль
error-email-taken = Аккаунт с этой почтой уже существует
error-username-taken = Это имя пользователя уже занято
error-rate-limited = Слишком много попыток. Подождите немного и попробуйте снова
error-network = Нет связи с сервером. Проверьте подключение и попробуйте снова
error-server = Что-то пошло не так на нашей стороне. Попробуйте ещё раз
error-session-ended = Сеанс завершён. Войдите снова
error-forbidden = У вас нет прав на это действие
error-bad-input = Проверьте форму и попробуйте снова

dashboard-welcome = Добро пожаловать, { $name }!
dashboard-subtitle = Ваше здоровье с первого взгляда.
dashboard-admin = Администратор
stat-steps = Шаги сегодня
stat-heart-rate = Пульс в покое
stat-sleep = Сон
stat-water = Вода
stat-no-data = Пока нет данных

not-found-title = Страница не найдена
not-found-body = По адресу { $path } ничего нет.
not-found-home = На главную
toast-signed-out = Вы вышли из аккаунта
toast-registered = Аккаунт создан
not-found-back = Назад
