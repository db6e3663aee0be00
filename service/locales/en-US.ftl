# Mail the service sends, in English. Every message here has a twin in
# ru-RU.ftl; a unit test fails when one is missing.

-product = Vitals

greeting = Hello, { $name }!
automatic = This message was sent by { -product } automatically; replies are not read.
link-fallback = If the button does not work, copy this address into your browser:

verification-subject = Confirm your email address
verification-intro = Please confirm that { $email } is your address by opening this link:
verification-action = Confirm email address
verification-expiry = The link works once, for { $hours } hours.
verification-ignore = If you did not create an account, ignore this message.

reset-subject = Reset your password
reset-intro = Someone, hopefully you, asked to reset the password of your account. To choose a new one, open this link:
reset-action = Choose a new password
reset-expiry = The link works once, for { $minutes } minutes. A new password signs you out on every device.
reset-ignore = If you did not ask for this, ignore this message: your password stays as it is.

password-changed-subject = Your password was changed
password-changed-intro = The password of your account was changed on { $time } (UTC), and your other devices were signed out.
password-changed-warning = If this was not you, reset your password now:
password-changed-action = Reset password

new-sign-in-subject = New sign-in to your account
new-sign-in-intro = Your account was just signed in from a browser or device it has not used before.
new-sign-in-device = Device: { $device }
new-sign-in-address = Address: { $address }
new-sign-in-time = Time: { $time } (UTC)
new-sign-in-warning = If this was you, there is nothing to do. If not, change your password and sign that session out:
new-sign-in-action = Review your sessions
browser-on-os = { $browser } on { $os }
unknown = unknown

sign-in-locked-subject = Sign-in to your account is locked
sign-in-locked-intro = Someone tried to sign in to your account with wrong passwords many times, from many places. To keep them out, signing in with your password is locked.
sign-in-locked-unlock = To unlock it, open this link:
sign-in-locked-action = Unlock signing in
sign-in-locked-expiry = The link works once, for { $hours } hours. Resetting your password unlocks signing in too, and is the safer choice if your password may be known to others.

security-changed-subject = Your security settings changed
security-totp-enabled = An authenticator app was set up as a second factor for your account on { $time } (UTC).
security-totp-disabled = The authenticator app was removed from your account on { $time } (UTC).
security-recovery-codes-regenerated = New recovery codes were made for your account on { $time } (UTC); the earlier ones no longer work.
security-recovery-code-used = A recovery code was used to sign in to your account on { $time } (UTC). Each code works once.
security-mfa-reset = An administrator removed every second factor of your account on { $time } (UTC), and your devices were signed out.
security-changed-warning = If this was not you, reset your password now and review your security settings:
security-changed-action = Review security settings
