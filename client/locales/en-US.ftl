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
hint-password = At least 8 characters, at most 72 bytes (about 36 Cyrillic letters)

error-email-required = Enter your email address
error-email-invalid = Enter a valid email address, like name@example.com
error-username-length = Username must be 3 to 50 characters long
error-username-chars = Username may contain only letters, digits, "_", "." and "-"
error-password-short = Password must be at least 8 characters long
error-password-long = Password must be at most 72 bytes; use fewer characters
error-password-mismatch = Passwords do not match
error-password-required = Enter your password
error-password-rules = Password must be 8 characters to 72 bytes long
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
