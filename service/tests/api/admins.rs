//! The service keeps an active admin: the last one cannot be deactivated,
//! not even by two admins deactivating each other at the same moment.

use serde_json::{Value, json};
use service::auth::{AuthError, SeedOutcome};
use service::domain::{NewAccount, User};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code};

on_both_engines!(
    the_last_active_admin_stays_active,
    admins_deactivating_each_other_at_once_leave_one,
);

const SET_ACTIVE: &str = "mutation($id: UUID!, $active: Boolean!) {
    setUserActive(id: $id, active: $active) { isActive } }";

/// An admin, created as `service seed-admin` creates one.
async fn seed_admin(app: &TestApp, email: &str, username: &str) -> User {
    let account = NewAccount::parse(email, username, PASSWORD.into(), None).unwrap();
    match app
        .auth
        .seed_admin(account)
        .await
        .expect("seeding an admin")
    {
        SeedOutcome::Created(user) => user,
        SeedOutcome::Found(_) => panic!("{email} existed already"),
    }
}

async fn active_admins(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active")
        .await
}

fn set_active(user: &User, active: bool) -> Value {
    json!({ "id": user.id.as_uuid(), "active": active })
}

async fn the_last_active_admin_stays_active(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let first = seed_admin(&app, "first@example.org", "first").await;
    let second = seed_admin(&app, "second@example.org", "second").await;
    let first_token = app.login_ok("first@example.org").await;
    let second_token = app.login_ok("second@example.org").await;
    let user = app.register_ok("ada@example.org", "ada").await;

    // With two active admins, either may go.
    let reply = app
        .gql(SET_ACTIVE, set_active(&second, false), Some(&first_token))
        .await;
    assert_eq!(reply["data"]["setUserActive"]["isActive"], false, "{reply}");
    assert_eq!(active_admins(&app).await, 1);
    assert_eq!(
        error_code(&app.me(Some(&second_token)).await).0,
        "UNAUTHENTICATED"
    );

    // The one left cannot be deactivated by a request that authenticated
    // before its own admin was deactivated (the race, taken one step at a
    // time); the refusal changes nothing.
    let sessions_before = app.count("sessions").await;
    let refused = app
        .auth
        .set_user_active(&second, first.id, false)
        .await
        .expect_err("the last active admin stays");
    assert!(matches!(refused, AuthError::LastAdmin), "{refused:?}");
    assert_eq!(refused.code(), "LAST_ADMIN");
    assert_eq!(active_admins(&app).await, 1);
    assert_eq!(app.count("sessions").await, sessions_before);
    assert_no_errors(&app.me(Some(&first_token)).await);

    // What keeps an admin active is still allowed: an inactive admin
    // deactivated again, an ordinary account, an admin reactivated.
    let again = app
        .gql(SET_ACTIVE, set_active(&second, false), Some(&first_token))
        .await;
    assert_no_errors(&again);
    let ada = json!({ "id": user["user"]["id"], "active": false });
    assert_no_errors(&app.gql(SET_ACTIVE, ada, Some(&first_token)).await);
    let back = app
        .gql(SET_ACTIVE, set_active(&second, true), Some(&first_token))
        .await;
    assert_eq!(back["data"]["setUserActive"]["isActive"], true, "{back}");
    assert_eq!(active_admins(&app).await, 2);

    // With two again, the first may go.
    let second_token = app.login_ok("second@example.org").await;
    let reply = app
        .gql(SET_ACTIVE, set_active(&first, false), Some(&second_token))
        .await;
    assert_no_errors(&reply);
    assert_eq!(active_admins(&app).await, 1);
}

const ROUNDS: usize = 25;

async fn admins_deactivating_each_other_at_once_leave_one(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let first = seed_admin(&app, "first@example.org", "first").await;
    let second = seed_admin(&app, "second@example.org", "second").await;
    let mut refusals = 0;
    for round in 0..ROUNDS {
        // Over HTTP, as two admins would: each request may also find its own
        // admin already deactivated when it authenticates.
        let first_token = app.login_ok("first@example.org").await;
        let second_token = app.login_ok("second@example.org").await;
        let (by_first, by_second) = tokio::join!(
            app.gql(SET_ACTIVE, set_active(&second, false), Some(&first_token)),
            app.gql(SET_ACTIVE, set_active(&first, false), Some(&second_token)),
        );
        assert_eq!(
            active_admins(&app).await,
            1,
            "round {round}: {by_first} {by_second}"
        );
        let done = [&by_first, &by_second]
            .iter()
            .filter(|reply| reply.get("errors").is_none())
            .count();
        assert_eq!(done, 1, "round {round}: {by_first} {by_second}");
        for reply in [&by_first, &by_second] {
            if reply.get("errors").is_some() {
                let code = error_code(reply).0;
                assert!(
                    ["LAST_ADMIN", "UNAUTHENTICATED", "FORBIDDEN"].contains(&code.as_str()),
                    "round {round}: {reply}"
                );
                refusals += usize::from(code == "LAST_ADMIN");
            }
        }
        reactivate_both(&app, &first, &second).await;

        // Straight into the rules, so that both transactions surely reach
        // the database together, every round.
        let (by_first, by_second) = tokio::join!(
            app.auth.set_user_active(&first, second.id, false),
            app.auth.set_user_active(&second, first.id, false),
        );
        assert_eq!(active_admins(&app).await, 1, "round {round}");
        match (by_first, by_second) {
            (Ok(_), Err(AuthError::LastAdmin)) | (Err(AuthError::LastAdmin), Ok(_)) => {}
            other => panic!("round {round}: one deactivation and one LAST_ADMIN, got {other:?}"),
        }
        reactivate_both(&app, &first, &second).await;
    }
    eprintln!("{engine:?}: {refusals} of {ROUNDS} HTTP rounds ended in LAST_ADMIN");
}

/// Whichever admin is active reactivates the other.
async fn reactivate_both(app: &TestApp, first: &User, second: &User) {
    app.auth
        .set_user_active(first, second.id, true)
        .await
        .unwrap();
    app.auth
        .set_user_active(second, first.id, true)
        .await
        .unwrap();
    assert_eq!(active_admins(app).await, 2);
}
