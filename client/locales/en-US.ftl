app-name = Vitals
language-short = EN
language-toggle = Switch to Russian
theme-dark = Switch to dark theme
theme-light = Switch to light theme
sidebar-toggle = Toggle sidebar
user-menu = Account menu
logout = Log out

nav-label = Main navigation
nav-dashboard = Dashboard
nav-activity = Activity
nav-vitals = Vitals
nav-calendar = Calendar
nav-settings = Settings
nav-soon = Coming soon

login-title = Welcome back
login-subtitle = Sign in to your health dashboard
login-submit = Sign in
login-busy = Signing in…
login-no-account = No account yet?
login-register-link = Create one

register-title = Create your account
register-subtitle = Start tracking what keeps you well
register-submit = Create account
register-busy = Creating account…
register-have-account = Already have an account?
register-login-link = Sign in

field-email = Email
field-password = Password
field-confirm-password = Confirm password
field-username = Username
field-full-name = Full name (optional)
field-remember-me = Remember me for 30 days
hint-username = 3 to 50 letters, digits, "_", "." or "-"
hint-password = 8 to 256 characters. A few unrelated words are easy to remember and hard to guess

error-email-required = Enter your email address
error-email-invalid = Enter a valid email address, like name@example.com
error-username-length = Username must be 3 to 50 characters long
error-username-chars = Username may contain only letters, digits, "_", "." and "-"
error-password-short = Password must be at least 8 characters long
error-password-long = Password must be at most 256 characters long
error-password-mismatch = Passwords do not match
error-password-required = Enter your password
error-password-weak = This password is too easy to guess. Avoid common passwords, the site's name, your username and your email; add another word or two
error-invalid-credentials = Wrong email or password
error-email-taken = An account with this email already exists
error-username-taken = This username is already taken
error-rate-limited = Too many attempts. Wait a little and try again
error-network = Cannot reach the server. Check your connection and try again
error-server = Something went wrong on our side. Please try again
error-session-ended = Your session has ended. Please sign in again
error-forbidden = You do not have permission to do this
error-bad-input = Check the form and try again

dashboard-welcome = Welcome, { $name }!
dashboard-subtitle = Here is your health at a glance.
dashboard-admin = Administrator
stat-steps = Steps today
stat-heart-rate = Resting heart rate
stat-sleep = Sleep
stat-water = Water
stat-no-data = No data yet

not-found-title = Page not found
not-found-body = There is nothing at { $path }.
not-found-home = Go to the dashboard
toast-signed-out = You have signed out
toast-registered = Your account is ready
not-found-back = Go back

login-forgot-password = Forgot password?
signed-out-elsewhere = You were signed out because this session was ended from another device.
error-full-name = Full name must be at most 255 characters, on one line
error-current-password-wrong = The current password is wrong
error-link-invalid = This link is no longer valid
error-link-expired = This link has expired
error-sign-in-locked = Signing in with your password is locked after many failed attempts. We emailed you a link to unlock it; resetting your password unlocks it too.

settings-title = Settings
settings-subtitle = Your profile, password and signed-in devices.
settings-tabs = Settings sections
settings-profile = Profile
settings-security = Security

profile-account = Account
profile-email = Email address
profile-verified = Verified
profile-unverified = Not verified
profile-details = Profile
profile-details-hint = How you appear in the app, and the language of its pages and mail.
field-language = Language
language-en = English
language-ru = Русский
profile-save = Save changes
profile-saving = Saving…
toast-profile-saved = Your profile was saved

password-title = Change password
password-hint = Changing your password signs you out on every other device.
field-current-password = Current password
field-new-password = New password
field-confirm-new-password = Confirm new password
password-submit = Change password
password-busy = Changing…
toast-password-changed = Your password was changed
password-changed-others = Your password was changed. Every other device was signed out.

devices-title = Where you are signed in
devices-hint = Sign out of any device you do not recognise.
devices-loading = Loading your devices…
devices-this = This device
devices-unknown = Unknown device
devices-browser-on-os = { $browser } on { $os }
devices-address = IP { $address }
devices-address-unknown = IP unknown
devices-active-now = Active just now
devices-active = Active { $when }
devices-sign-out = Sign out
devices-sign-out-others = Sign out everywhere else
devices-none-other = No other device is signed in.
confirm-cancel = Cancel
confirm-revoke-title = Sign out this device?
confirm-revoke-body = { $device } will be signed out at once and will need the password to sign in again.
confirm-others-title = Sign out everywhere else?
confirm-others-body = Every device but this one will be signed out at once.
toast-device-signed-out = The device was signed out
toast-signed-out-others = { $count ->
    [0] No other device was signed in
    [one] Signed out of { $count } other device
   *[other] Signed out of { $count } other devices
}

verify-banner-title = Please verify your email address
verify-banner-body = We sent a link to { $email }. Follow it to confirm the address is yours.
verify-banner-resend = Resend
verify-banner-sending = Sending…
toast-verification-sent = We sent a new link to { $email }

forgot-title = Reset your password
forgot-subtitle = Enter your email and we will send you a link to set a new password.
forgot-submit = Send reset link
forgot-busy = Sending…
forgot-sent-title = Check your email
forgot-sent-body = If an account exists for { $email }, we sent it a link to reset the password. The link works for a limited time.
forgot-back = Back to sign in

reset-title = Choose a new password
reset-subtitle = Enter a new password for your account.
reset-submit = Set new password
reset-busy = Saving…
reset-done-title = Your password was changed
reset-done-body = Sign in with your new password. Every device that was signed in has been signed out.
reset-sign-in = Sign in
reset-expired-body = Reset links work for a limited time. Request a new one and use it soon.
reset-invalid-body = It was already used, or a newer link replaced it. Request a new one if you still need it.
reset-request-new = Request a new link

verify-title = Email verification
verify-busy = Verifying your email address…
verify-done-title = Your email address is verified
verify-done-body = Thank you: your address is confirmed.
verify-expired-body = Verification links work for a limited time. Send yourself a new one.
verify-invalid-body = It was already used, or a newer link replaced it.
verify-send-new = Send a new link
verify-sign-in-to-resend = Sign in to get a new link
verify-continue = Continue to the dashboard
unlock-title = Unlock signing in
unlock-busy = Unlocking…
unlock-done-title = Signing in is unlocked
unlock-done-body = You can sign in with your password again. If you think someone knows it, change it once you are in.
unlock-refused-body = Resetting your password unlocks signing in too.
unlock-reset = Reset your password
