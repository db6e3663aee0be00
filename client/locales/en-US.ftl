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
error-account-deactivated = This account has been deactivated. Contact the people who run this service if you think that is a mistake.
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
settings-subtitle = Your profile, password, devices, second factors, activity and data.
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

nav-admin = Admin
settings-activity = Activity
settings-privacy = Privacy
signed-out-deleted = Your account was deleted. Everything but an anonymous record of its security events is gone.
error-last-admin = This would leave no active administrator. Make another account an administrator first.
error-user-target = This cannot be done to your own account, or the account no longer exists.
error-password-wrong = The password is wrong
error-audit-filter = Check this value: an account id looks like 0190a3b4-1111-7222-8333-444455556666
list-load-more = Load more

activity-title = Your activity
activity-hint = Sign-ins, password changes and everything else that touched your account's security, newest first. Something you do not recognise? Change your password.
activity-loading = Loading your activity…
activity-none = Nothing recorded yet.

privacy-export-title = Download your data
privacy-export-hint = A JSON file with your profile, your signed-in devices and your activity.
privacy-export = Download my data
toast-data-exported = Your data was downloaded
privacy-delete-title = Delete your account
privacy-delete-hint = Your profile and sessions are deleted at once and cannot be restored. The record of security events stays, under an anonymous id, as the law requires.
privacy-delete = Delete my account
privacy-delete-confirm-title = Delete your account?
privacy-delete-confirm-body = Enter your password to confirm. You will be signed out everywhere.
privacy-delete-confirm = Delete for good

admin-title = Administration
admin-subtitle = Accounts and the audit log.
admin-tabs = Administration sections
admin-users = Accounts
admin-audit = Audit log
admin-search = Find an account
admin-search-hint = The start of an email address or username
admin-col-email = Email
admin-col-username = Username
admin-col-role = Role
admin-col-status = Status
admin-col-verified = Verified
admin-col-created = Created
admin-col-last-sign-in = Last sign-in
admin-col-actions = Actions
admin-actions-for = Actions for { $email }
admin-no-users = No account matches.
admin-role-admin = Admin
admin-role-user = User
admin-active = Active
admin-inactive = Inactive
admin-yes = Yes
admin-no = No
admin-never = Never
admin-view-activity = View activity
admin-activate = Activate
admin-activate-title = Activate this account?
admin-activate-body = { $email } will be able to sign in again.
admin-deactivate = Deactivate
admin-deactivate-title = Deactivate this account?
admin-deactivate-body = { $email } will be signed out everywhere at once and cannot sign in until activated again.
admin-make-admin = Make admin
admin-make-admin-title = Make this account an administrator?
admin-make-admin-body = { $email } will be able to manage every account and read the audit log.
admin-make-user = Make user
admin-make-user-title = Take administration away?
admin-make-user-body = { $email } will become an ordinary user.
admin-end-sessions = End all sessions
admin-end-sessions-title = End every session of this account?
admin-end-sessions-body = { $email } will be signed out on every device and will need the password to sign in again.
admin-delete = Delete
admin-delete-title = Delete this account?
admin-delete-body = { $email } and its sessions will be deleted for good. Its security events stay under an anonymous id.
admin-toast-changed = { $email } was updated
admin-toast-sessions-ended = { $count ->
    [0] { $email } had no live session
    [one] Ended { $count } session of { $email }
   *[other] Ended { $count } sessions of { $email }
}
admin-toast-deleted = { $email } was deleted

audit-user = Account id
audit-user-hint = Leave empty for every account
audit-since = From
audit-until = Until
audit-kinds = Kinds of event
audit-kinds-all = All kinds of event
audit-kinds-some = { $count ->
    [one] { $count } kind of event
   *[other] { $count } kinds of event
}
audit-apply = Apply filters
audit-none = No event matches.
audit-just-now = just now
audit-outcome-failure = Failed
audit-account-unknown = Unknown account
audit-actor-self = by the account
audit-actor-admin = by an administrator
audit-actor-admin-named = by { $email }
audit-actor-system = by the service
audit-reason-invalid-credentials = wrong password
audit-reason-deactivated = account deactivated
audit-reason-locked = sign-in locked
audit-detail-role-admin = to administrator
audit-detail-role-user = to user
audit-detail-sessions = { $count ->
    [one] { $count } session
   *[other] { $count } sessions
}
audit-kind-registered = Account created
audit-kind-login-succeeded = Signed in
audit-kind-login-failed = Sign-in failed
audit-kind-login-throttled = Sign-in refused: too many attempts
audit-kind-sign-in-locked = Password sign-in locked
audit-kind-sign-in-unlocked = Password sign-in unlocked
audit-kind-refresh-token-reused = Stolen session suspected and ended
audit-kind-logged-out = Signed out
audit-kind-session-revoked = Device signed out
audit-kind-logged-out-everywhere = Signed out everywhere
audit-kind-password-changed = Password changed
audit-kind-password-reset-requested = Password reset requested
audit-kind-password-reset = Password reset
audit-kind-email-verified = Email address verified
audit-kind-account-activated = Account activated
audit-kind-account-deactivated = Account deactivated
audit-kind-role-changed = Role changed
audit-kind-account-deleted = Account deleted
audit-kind-data-exported = Data downloaded
audit-kind-admin-seeded = First administrator created
audit-kind-totp-enabled = Authenticator app turned on
audit-kind-totp-disabled = Authenticator app turned off
audit-kind-recovery-codes-regenerated = New recovery codes made
audit-kind-recovery-code-used = Recovery code used
audit-kind-mfa-verified = Second factor passed
audit-kind-mfa-failed = Second factor failed
audit-kind-reauthenticated = Identity confirmed again
audit-kind-mfa-reset = Second factors reset
audit-kind-passkey-added = Passkey added
audit-kind-passkey-removed = Passkey removed
audit-kind-other = Other event

settings-mfa = Two-factor
error-mfa-required = Confirm this sign-in with your second factor first
error-mfa-enrollment-required = Administrators must set up a second factor before doing anything else
error-reauthentication-required = This needs you to confirm it is you. Try again and confirm when asked
error-invalid-mfa-code = That code is wrong, or was already used. Try the current one
error-passkey-cancelled = The passkey was not used. Try again when you are ready
error-passkey-duplicate = This device already holds a passkey for your account
error-passkey-unsupported = This browser cannot use passkeys
error-passkey-failed = The browser could not use the passkey. Try again
error-code-required = Enter the code
error-authenticator-code = Enter the 6 digits your authenticator app shows
error-second-factor-code = Enter the 6 digits from your authenticator app, or a recovery code like abcd-efgh-jkmn-pqrs
error-authenticator-code-wrong = That code is wrong. Check the app's clock and enter the code it shows now
error-totp-already-on = The authenticator app is already on
error-passkey-name-required = Give the passkey a name
error-passkey-name-long = Use at most 100 characters, on one line
error-copy-failed = The browser refused to copy. Select the codes and copy them by hand

login-passkey = Sign in with a passkey
sign-in-or = or
verify-mfa-title = Confirm it is you
verify-mfa-subtitle = Your password was right. Now the code from your authenticator app for { $email }, or a recovery code.
verify-mfa-subtitle-passkey = Your password was right. Now the code from your authenticator app for { $email }, a recovery code, or a passkey.
field-mfa-code = Authenticator or recovery code
hint-mfa-code = 6 digits from the app, or one of your recovery codes
verify-mfa-submit = Continue
verify-mfa-busy = Checking…
mfa-use-passkey = Use a passkey
verify-mfa-other = Not you, or no second factor at hand?
verify-mfa-sign-out = Sign out

step-up-title = Confirm it is you
step-up-body = This action needs a recent sign-in. Confirm it is you to go on.
step-up-confirm = Confirm
step-up-use-code = Use an authenticator or recovery code
step-up-use-password = Use your password

mfa-enrollment-notice = Administrators must protect their account with a second factor. Set up an authenticator app or add a passkey to go on.
mfa-loading = Loading your second factors…
mfa-on = On
mfa-off = Off
totp-title = Authenticator app
totp-hint = A 6-digit code from an app on your phone, asked for after your password.
totp-set-up = Set up
totp-qr-label = QR code for your authenticator app
totp-step-scan = Scan the QR code with your authenticator app.
totp-step-manual = Or enter this key in it by hand:
totp-step-code = Enter the 6-digit code the app shows.
field-authenticator-code = Code from the app
totp-turn-on = Turn on
totp-off = Turn off
totp-off-title = Turn off the authenticator app?
totp-off-body = Enter a current code from the app, or a recovery code. Signing in will no longer ask for one, and your other devices are signed out.
toast-totp-off = The authenticator app was turned off

recovery-title = Recovery codes
recovery-left = { $count ->
    [0] No recovery code left. Make new ones.
    [one] { $count } recovery code left
   *[other] { $count } recovery codes left
}
recovery-regenerate = Make new codes
recovery-regenerate-title = Make new recovery codes?
recovery-regenerate-body = Your current recovery codes will stop working at once.
toast-recovery-codes-made = New recovery codes were made
recovery-new-title = Save your recovery codes
recovery-new-hint = Each code signs you in once if you lose your phone. They are shown only now: keep them somewhere safe.
recovery-file-intro = Vitals recovery codes. Each works once.
recovery-copy = Copy
recovery-download = Download
recovery-saved = I have saved them
toast-recovery-copied = The codes were copied

passkeys-title = Passkeys
passkeys-hint = Sign in with your fingerprint, face or screen lock instead of a password and code.
passkeys-none = No passkey yet.
field-passkey-name = Passkey name
hint-passkey-name = To tell it apart, like "Work laptop"
passkey-add = Add a passkey
toast-passkey-added = The passkey was added
passkey-added = Added { $when }
passkey-used = last used { $when }
passkey-never-used = never used
passkey-rename = Rename
passkey-rename-title = Rename this passkey?
passkey-rename-body = A new name for { $name }.
passkey-rename-save = Save
toast-passkey-renamed = The passkey was renamed
passkey-remove = Remove
passkey-remove-title = Remove this passkey?
passkey-remove-body = { $name } will no longer sign you in.
toast-passkey-removed = The passkey was removed

admin-col-mfa = 2FA
admin-mfa-on = On
admin-mfa-off = Off
admin-reset-mfa = Reset second factors
admin-reset-mfa-title = Reset this account's second factors?
admin-reset-mfa-body = { $email } loses its authenticator app, recovery codes and passkeys, and is signed out everywhere. Do this only once you are sure it is them asking.

## A page fetched the first time it is shown (lazy.rs)
page-loading = Loading…
page-load-failed = This page did not load. Check your connection and reload.
page-reload = Reload
