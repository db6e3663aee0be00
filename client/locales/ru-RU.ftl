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
hint-password = От 8 до 256 символов. Несколько не связанных между собой слов легко запомнить и трудно угадать

error-email-required = Введите адрес эл. почты
error-email-invalid = Введите правильный адрес, например name@example.com
error-username-length = Имя пользователя должно быть от 3 до 50 символов
error-username-chars = Имя пользователя может содержать только латинские буквы, цифры, «_», «.» и «-»
error-password-short = Пароль должен быть не короче 8 символов
error-password-long = Пароль должен быть не длиннее 256 символов
error-password-mismatch = Пароли не совпадают
error-password-required = Введите пароль
error-password-weak = Этот пароль слишком легко угадать. Не используйте распространённые пароли, название сайта, своё имя пользователя и адрес почты; добавьте ещё слово-другое
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

login-forgot-password = Забыли пароль?
signed-out-elsewhere = Вы вышли из аккаунта, потому что этот сеанс был завершён с другого устройства.
error-full-name = Полное имя должно быть не длиннее 255 символов и в одну строку
error-current-password-wrong = Текущий пароль неверен
error-link-invalid = Эта ссылка больше не действует
error-link-expired = Срок действия ссылки истёк
error-sign-in-locked = Вход по паролю заблокирован после многих неудачных попыток. Мы отправили вам письмо со ссылкой для разблокировки; сброс пароля тоже снимает блокировку.

settings-title = Настройки
settings-subtitle = Ваш профиль, пароль и устройства, на которых выполнен вход.
settings-tabs = Разделы настроек
settings-profile = Профиль
settings-security = Безопасность

profile-account = Аккаунт
profile-email = Адрес эл. почты
profile-verified = Подтверждён
profile-unverified = Не подтверждён
profile-details = Профиль
profile-details-hint = Как вас видно в приложении и на каком языке его страницы и письма.
field-language = Язык
language-en = English
language-ru = Русский
profile-save = Сохранить
profile-saving = Сохраняем…
toast-profile-saved = Профиль сохранён

password-title = Смена пароля
password-hint = После смены пароля вы выйдете из аккаунта на всех других устройствах.
field-current-password = Текущий пароль
field-new-password = Новый пароль
field-confirm-new-password = Повторите новый пароль
password-submit = Сменить пароль
password-busy = Меняем…
toast-password-changed = Пароль изменён
password-changed-others = Пароль изменён. На всех других устройствах выполнен выход.

devices-title = Где выполнен вход
devices-hint = Выйдите на любом устройстве, которое вы не узнаёте.
devices-loading = Загружаем список устройств…
devices-this = Это устройство
devices-unknown = Неизвестное устройство
devices-browser-on-os = { $browser } на { $os }
devices-address = IP { $address }
devices-address-unknown = IP неизвестен
devices-active-now = Активен только что
devices-active = Активен { $when }
devices-sign-out = Выйти
devices-sign-out-others = Выйти на всех других устройствах
devices-none-other = На других устройствах вход не выполнен.
confirm-cancel = Отмена
confirm-revoke-title = Выйти на этом устройстве?
confirm-revoke-body = На устройстве «{ $device }» сразу будет выполнен выход; чтобы войти снова, понадобится пароль.
confirm-others-title = Выйти на всех других устройствах?
confirm-others-body = На всех устройствах, кроме этого, сразу будет выполнен выход.
toast-device-signed-out = На устройстве выполнен выход
toast-signed-out-others = { $count ->
    [0] Других устройств со входом не было
    [one] Выполнен выход на { $count } другом устройстве
    [few] Выполнен выход на { $count } других устройствах
    [many] Выполнен выход на { $count } других устройствах
   *[other] Выполнен выход на { $count } другого устройства
}

verify-banner-title = Подтвердите адрес эл. почты
verify-banner-body = Мы отправили ссылку на { $email }. Перейдите по ней, чтобы подтвердить, что адрес ваш.
verify-banner-resend = Отправить снова
verify-banner-sending = Отправляем…
toast-verification-sent = Мы отправили новую ссылку на { $email }

forgot-title = Сброс пароля
forgot-subtitle = Введите адрес эл. почты, и мы пришлём ссылку для нового пароля.
forgot-submit = Отправить ссылку
forgot-busy = Отправляем…
forgot-sent-title = Проверьте почту
forgot-sent-body = Если аккаунт с адресом { $email } существует, мы отправили на него ссылку для сброса пароля. Ссылка действует ограниченное время.
forgot-back = Вернуться ко входу

reset-title = Новый пароль
reset-subtitle = Введите новый пароль для своего аккаунта.
reset-submit = Сохранить пароль
reset-busy = Сохраняем…
reset-done-title = Пароль изменён
reset-done-body = Войдите с новым паролем. На всех устройствах, где был выполнен вход, произошёл выход.
reset-sign-in = Войти
reset-expired-body = Ссылки для сброса действуют ограниченное время. Запросите новую и воспользуйтесь ей поскорее.
reset-invalid-body = Ею уже воспользовались, или её заменила более новая ссылка. Запросите новую, если она ещё нужна.
reset-request-new = Запросить новую ссылку

verify-title = Подтверждение почты
verify-busy = Подтверждаем адрес эл. почты…
verify-done-title = Адрес эл. почты подтверждён
verify-done-body = Спасибо: ваш адрес подтверждён.
verify-expired-body = Ссылки для подтверждения действуют ограниченное время. Отправьте себе новую.
verify-invalid-body = Ею уже воспользовались, или её заменила более новая ссылка.
verify-send-new = Отправить новую ссылку
verify-sign-in-to-resend = Войдите, чтобы получить новую ссылку
verify-continue = Перейти к обзору
unlock-title = Разблокировка входа
unlock-busy = Разблокируем…
unlock-done-title = Вход разблокирован
unlock-done-body = Вы снова можете войти по паролю. Если думаете, что его кто-то знает, смените его после входа.
unlock-refused-body = Сброс пароля тоже снимает блокировку входа.
unlock-reset = Сбросить пароль
