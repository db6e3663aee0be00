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
error-account-deactivated = Этот аккаунт отключён. Если это ошибка, обратитесь к тем, кто поддерживает сервис.
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
settings-subtitle = Ваш профиль, пароль, устройства, второй фактор, активность и данные.
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

nav-admin = Администрирование
settings-activity = Активность
settings-privacy = Конфиденциальность
signed-out-deleted = Ваш аккаунт удалён. От него осталась лишь анонимная запись событий безопасности.
error-last-admin = Так не останется ни одного активного администратора. Сначала назначьте администратором другой аккаунт.
error-user-target = Это нельзя сделать со своим аккаунтом, или аккаунта больше нет.
error-password-wrong = Неверный пароль
error-audit-filter = Проверьте значение: id аккаунта выглядит так: 0190a3b4-1111-7222-8333-444455556666
list-load-more = Показать ещё

activity-title = Ваша активность
activity-hint = Входы, смены пароля и всё остальное, что касалось безопасности аккаунта, сначала новые. Видите что-то незнакомое? Смените пароль.
activity-loading = Загружаем активность…
activity-none = Пока ничего не записано.

privacy-export-title = Скачать ваши данные
privacy-export-hint = Файл JSON с вашим профилем, устройствами, на которых выполнен вход, и активностью.
privacy-export = Скачать мои данные
toast-data-exported = Ваши данные скачаны
privacy-delete-title = Удалить аккаунт
privacy-delete-hint = Профиль и сеансы удаляются сразу и без возможности восстановления. Запись событий безопасности остаётся под анонимным id, как требует закон.
privacy-delete = Удалить мой аккаунт
privacy-delete-confirm-title = Удалить аккаунт?
privacy-delete-confirm-body = Введите пароль для подтверждения. Выход будет выполнен на всех устройствах.
privacy-delete-confirm = Удалить навсегда

admin-title = Администрирование
admin-subtitle = Аккаунты и журнал аудита.
admin-tabs = Разделы администрирования
admin-users = Аккаунты
admin-audit = Журнал аудита
admin-search = Найти аккаунт
admin-search-hint = Начало адреса почты или имени пользователя
admin-col-email = Эл. почта
admin-col-username = Имя пользователя
admin-col-role = Роль
admin-col-status = Состояние
admin-col-verified = Подтверждён
admin-col-created = Создан
admin-col-last-sign-in = Последний вход
admin-col-actions = Действия
admin-actions-for = Действия с { $email }
admin-no-users = Подходящих аккаунтов нет.
admin-role-admin = Админ
admin-role-user = Пользователь
admin-active = Активен
admin-inactive = Отключён
admin-yes = Да
admin-no = Нет
admin-never = Никогда
admin-view-activity = Активность
admin-activate = Включить
admin-activate-title = Включить аккаунт?
admin-activate-body = { $email } снова сможет входить.
admin-deactivate = Отключить
admin-deactivate-title = Отключить аккаунт?
admin-deactivate-body = Для { $email } сразу будет выполнен выход на всех устройствах, и войти не получится, пока аккаунт не включат снова.
admin-make-admin = Сделать администратором
admin-make-admin-title = Сделать аккаунт администратором?
admin-make-admin-body = { $email } сможет управлять всеми аккаунтами и читать журнал аудита.
admin-make-user = Сделать пользователем
admin-make-user-title = Снять права администратора?
admin-make-user-body = { $email } станет обычным пользователем.
admin-end-sessions = Завершить все сеансы
admin-end-sessions-title = Завершить все сеансы аккаунта?
admin-end-sessions-body = Для { $email } будет выполнен выход на всех устройствах; чтобы войти снова, понадобится пароль.
admin-delete = Удалить
admin-delete-title = Удалить аккаунт?
admin-delete-body = { $email } и его сеансы будут удалены навсегда. События безопасности останутся под анонимным id.
admin-toast-changed = Аккаунт { $email } изменён
admin-toast-sessions-ended = { $count ->
    [0] У { $email } не было активных сеансов
    [one] Завершён { $count } сеанс { $email }
    [few] Завершено { $count } сеанса { $email }
   *[other] Завершено { $count } сеансов { $email }
}
admin-toast-deleted = Аккаунт { $email } удалён

audit-user = Id аккаунта
audit-user-hint = Оставьте пустым для всех аккаунтов
audit-since = С
audit-until = По
audit-kinds = Виды событий
audit-kinds-all = Все виды событий
audit-kinds-some = { $count ->
    [one] { $count } вид событий
    [few] { $count } вида событий
   *[other] { $count } видов событий
}
audit-apply = Применить фильтры
audit-none = Подходящих событий нет.
audit-just-now = только что
audit-outcome-failure = Неудача
audit-account-unknown = Неизвестный аккаунт
audit-actor-self = сам пользователь
audit-actor-admin = администратор
audit-actor-admin-named = администратор { $email }
audit-actor-system = сервис
audit-reason-invalid-credentials = неверный пароль
audit-reason-deactivated = аккаунт отключён
audit-reason-locked = вход заблокирован
audit-detail-role-admin = на администратора
audit-detail-role-user = на пользователя
audit-detail-sessions = { $count ->
    [one] { $count } сеанс
    [few] { $count } сеанса
   *[other] { $count } сеансов
}
audit-kind-registered = Аккаунт создан
audit-kind-login-succeeded = Вход
audit-kind-login-failed = Неудачный вход
audit-kind-login-throttled = Вход отклонён: слишком много попыток
audit-kind-sign-in-locked = Вход по паролю заблокирован
audit-kind-sign-in-unlocked = Вход по паролю разблокирован
audit-kind-refresh-token-reused = Подозрение на кражу сеанса, сеанс завершён
audit-kind-logged-out = Выход
audit-kind-session-revoked = Выход на устройстве
audit-kind-logged-out-everywhere = Выход на всех устройствах
audit-kind-password-changed = Пароль изменён
audit-kind-password-reset-requested = Запрошен сброс пароля
audit-kind-password-reset = Пароль сброшен
audit-kind-email-verified = Адрес эл. почты подтверждён
audit-kind-account-activated = Аккаунт включён
audit-kind-account-deactivated = Аккаунт отключён
audit-kind-role-changed = Роль изменена
audit-kind-account-deleted = Аккаунт удалён
audit-kind-data-exported = Данные скачаны
audit-kind-admin-seeded = Создан первый администратор
audit-kind-totp-enabled = Приложение-аутентификатор включено
audit-kind-totp-disabled = Приложение-аутентификатор выключено
audit-kind-recovery-codes-regenerated = Созданы новые резервные коды
audit-kind-recovery-code-used = Использован резервный код
audit-kind-mfa-verified = Второй фактор подтверждён
audit-kind-mfa-failed = Неверный второй фактор
audit-kind-reauthenticated = Личность подтверждена повторно
audit-kind-mfa-reset = Второй фактор сброшен
audit-kind-passkey-added = Добавлен ключ доступа
audit-kind-passkey-removed = Удалён ключ доступа
audit-kind-other = Другое событие

settings-mfa = Второй фактор
error-mfa-required = Сначала подтвердите вход вторым фактором
error-mfa-enrollment-required = Администратор должен настроить второй фактор, прежде чем делать что-либо ещё
error-reauthentication-required = Для этого нужно подтвердить, что это вы. Повторите и подтвердите, когда попросят
error-invalid-mfa-code = Код неверен или уже использован. Введите текущий
error-passkey-cancelled = Ключ доступа не был использован. Попробуйте снова, когда будете готовы
error-passkey-duplicate = На этом устройстве уже есть ключ доступа к вашему аккаунту
error-passkey-unsupported = Этот браузер не умеет работать с ключами доступа
error-passkey-failed = Браузеру не удалось воспользоваться ключом доступа. Попробуйте снова
error-code-required = Введите код
error-authenticator-code = Введите 6 цифр из приложения-аутентификатора
error-second-factor-code = Введите 6 цифр из приложения-аутентификатора или резервный код вида abcd-efgh-jkmn-pqrs
error-authenticator-code-wrong = Код неверен. Проверьте часы в приложении и введите код, который оно показывает сейчас
error-totp-already-on = Приложение-аутентификатор уже включено
error-passkey-name-required = Дайте ключу доступа название
error-passkey-name-long = Не больше 100 символов, в одну строку
error-copy-failed = Браузер не дал скопировать. Выделите коды и скопируйте их вручную

login-passkey = Войти с ключом доступа
sign-in-or = или
verify-mfa-title = Подтвердите, что это вы
verify-mfa-subtitle = Пароль верный. Теперь код из приложения-аутентификатора для { $email } или резервный код.
verify-mfa-subtitle-passkey = Пароль верный. Теперь код из приложения-аутентификатора для { $email }, резервный код или ключ доступа.
field-mfa-code = Код из приложения или резервный код
hint-mfa-code = 6 цифр из приложения или один из резервных кодов
verify-mfa-submit = Продолжить
verify-mfa-busy = Проверяем…
mfa-use-passkey = Использовать ключ доступа
verify-mfa-other = Это не вы, или второго фактора нет под рукой?
verify-mfa-sign-out = Выйти

step-up-title = Подтвердите, что это вы
step-up-body = Для этого действия нужен недавний вход. Подтвердите, что это вы, чтобы продолжить.
step-up-confirm = Подтвердить
step-up-use-code = Ввести код из приложения или резервный код
step-up-use-password = Ввести пароль

mfa-enrollment-notice = Администраторы должны защитить аккаунт вторым фактором. Настройте приложение-аутентификатор или добавьте ключ доступа, чтобы продолжить.
mfa-loading = Загружаем ваши способы входа…
mfa-on = Включено
mfa-off = Выключено
totp-title = Приложение-аутентификатор
totp-hint = 6-значный код из приложения на телефоне, который спрашивается после пароля.
totp-set-up = Настроить
totp-qr-label = QR-код для приложения-аутентификатора
totp-step-scan = Отсканируйте QR-код приложением-аутентификатором.
totp-step-manual = Или введите в нём этот ключ вручную:
totp-step-code = Введите 6-значный код, который показывает приложение.
field-authenticator-code = Код из приложения
totp-turn-on = Включить
totp-off = Выключить
totp-off-title = Выключить приложение-аутентификатор?
totp-off-body = Введите текущий код из приложения или резервный код. При входе его больше не спросят, а на других устройствах будет выполнен выход.
toast-totp-off = Приложение-аутентификатор выключено

recovery-title = Резервные коды
recovery-left = { $count ->
    [0] Резервных кодов не осталось. Создайте новые.
    [one] Остался { $count } резервный код
    [few] Осталось { $count } резервных кода
    [many] Осталось { $count } резервных кодов
   *[other] Осталось { $count } резервного кода
}
recovery-regenerate = Создать новые коды
recovery-regenerate-title = Создать новые резервные коды?
recovery-regenerate-body = Нынешние резервные коды сразу перестанут действовать.
toast-recovery-codes-made = Новые резервные коды созданы
recovery-new-title = Сохраните резервные коды
recovery-new-hint = Каждый код один раз впустит вас, если телефон потерян. Они показываются только сейчас: сохраните их в надёжном месте.
recovery-file-intro = Резервные коды Vitals. Каждый действует один раз.
recovery-copy = Копировать
recovery-download = Скачать
recovery-saved = Я их сохранил(а)
toast-recovery-copied = Коды скопированы

passkeys-title = Ключи доступа
passkeys-hint = Входите по отпечатку пальца, лицу или блокировке экрана вместо пароля и кода.
passkeys-none = Ключей доступа пока нет.
field-passkey-name = Название ключа
hint-passkey-name = Чтобы отличать его, например «Рабочий ноутбук»
passkey-add = Добавить ключ доступа
toast-passkey-added = Ключ доступа добавлен
passkey-added = Добавлен { $when }
passkey-used = последний вход { $when }
passkey-never-used = ещё не использовался
passkey-rename = Переименовать
passkey-rename-title = Переименовать ключ доступа?
passkey-rename-body = Новое название для «{ $name }».
passkey-rename-save = Сохранить
toast-passkey-renamed = Ключ доступа переименован
passkey-remove = Удалить
passkey-remove-title = Удалить ключ доступа?
passkey-remove-body = С ключом «{ $name }» больше нельзя будет войти.
toast-passkey-removed = Ключ доступа удалён

admin-col-mfa = 2FA
admin-mfa-on = Да
admin-mfa-off = Нет
admin-reset-mfa = Сбросить второй фактор
admin-reset-mfa-title = Сбросить второй фактор аккаунта?
admin-reset-mfa-body = { $email } лишится приложения-аутентификатора, резервных кодов и ключей доступа, и все его сеансы завершатся. Делайте это, только убедившись, что просит владелец.

## A page fetched the first time it is shown (lazy.rs)
page-loading = Загрузка…
page-load-failed = Страница не загрузилась. Проверьте подключение и обновите её.
page-reload = Обновить
