//! The service keeps an active admin: the last one cannot be deactivated,
//! not even by two admins deactivating each other at the same moment.

use serde_json::{Value, json};
use service::auth::{AuthError, Caller, SeedOutcome};
use service::domain::{Aal, Assurance, ClientInfo, NewAccount, SessionId, User};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_no_errors, error_code};

on_both_engines!(
    the_last_active_admin_stays_active,
    admins_deactivating_each_other_at_once_leave_one,
    the_last_admin_keeps_the_role,
    admins_search_accounts_a_page_at_a_time,
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

/// An admin as the rules see one acting: signed in, in some session.
fn caller(user: &User) -> Caller {
    Caller {
        user: user.clone(),
        session: SessionId::new(),
        assurance: Assurance {
            aal: Aal::Two,
            auth_time: chrono::Utc::now(),
        },
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
        .set_user_active(&caller(&second), first.id, false, &ClientInfo::default())
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
        let (as_first, as_second, client) =
            (caller(&first), caller(&second), ClientInfo::default());
        let (by_first, by_second) = tokio::join!(
            app.auth
                .set_user_active(&as_first, second.id, false, &client),
            app.auth
                .set_user_active(&as_second, first.id, false, &client),
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
        .set_user_active(&caller(first), second.id, true, &ClientInfo::default())
        .await
        .unwrap();
    app.auth
        .set_user_active(&caller(second), first.id, true, &ClientInfo::default())
        .await
        .unwrap();
    assert_eq!(active_admins(app).await, 2);
}

const SET_ROLE: &str =
    "mutation($id: UUID!, $role: Role!) { setUserRole(id: $id, role: $role) { role } }";

async fn the_last_admin_keeps_the_role(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let first = seed_admin(&app, "first@example.org", "first").await;
    let first_token = app.login_ok("first@example.org").await;
    let ada = app.register_ok("ada@example.org", "ada").await;
    let ada_token = ada["accessToken"].as_str().unwrap().to_owned();
    let ada_id = ada["user"]["id"].clone();

    // Nobody but an admin changes roles.
    let reply = app
        .gql(
            SET_ROLE,
            json!({ "id": ada_id, "role": "ADMIN" }),
            Some(&ada_token),
        )
        .await;
    assert_eq!(error_code(&reply).0, "FORBIDDEN");
    // An admin makes Ada one; she may then demote the first admin, and
    // nobody may demote the last.
    let reply = app
        .gql(
            SET_ROLE,
            json!({ "id": ada_id, "role": "ADMIN" }),
            Some(&first_token),
        )
        .await;
    assert_eq!(reply["data"]["setUserRole"]["role"], "ADMIN", "{reply}");
    let reply = app
        .gql(
            SET_ROLE,
            json!({ "id": first.id.as_uuid(), "role": "USER" }),
            Some(&ada_token),
        )
        .await;
    assert_eq!(reply["data"]["setUserRole"]["role"], "USER", "{reply}");
    let reply = app
        .gql(
            SET_ROLE,
            json!({ "id": ada_id, "role": "USER" }),
            Some(&ada_token),
        )
        .await;
    assert_eq!(
        error_code(&reply),
        ("BAD_USER_INPUT".into(), Some("id".into()))
    );
    assert_eq!(active_admins(&app).await, 1);
    // The demoted admin's open session lost the role at once.
    let reply = app
        .gql(
            SET_ROLE,
            json!({ "id": ada_id, "role": "USER" }),
            Some(&first_token),
        )
        .await;
    assert_eq!(error_code(&reply).0, "FORBIDDEN");
    // Through the storage rule itself, the last admin stays one.
    let ada_uuid: uuid::Uuid = serde_json::from_value(ada_id).unwrap();
    let event = service::domain::NewEvent::new(service::domain::AuditKind::RoleChanged, None);
    let change = service::storage::users::update_by_admin(
        &app.db,
        ada_uuid.into(),
        service::storage::users::AdminUpdate::Role(service::domain::Role::User),
        &event,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        change,
        service::storage::users::AccountChange::LastAdmin
    ));
    let reply = app
        .gql(
            "mutation($id: UUID!) { deleteUser(id: $id) }",
            json!({ "id": uuid::Uuid::new_v4() }),
            Some(&ada_token),
        )
        .await;
    assert_eq!(
        error_code(&reply),
        ("BAD_USER_INPUT".into(), Some("id".into()))
    );
}

const SEARCH: &str = "query($search: String, $first: Int, $after: UUID) {
    users(search: $search, first: $first, after: $after) { id username lastSignInAt } }";

async fn admins_search_accounts_a_page_at_a_time(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    for name in ["alice", "albert", "alfred", "bob", "al_x"] {
        app.register_ok(&format!("{name}@example.org"), name).await;
    }
    app.login_ok("albert@example.org").await;
    let names = |reply: &Value| -> Vec<String> {
        reply["data"]["users"]
            .as_array()
            .unwrap_or_else(|| panic!("{reply}"))
            .iter()
            .map(|user| user["username"].as_str().unwrap().to_owned())
            .collect()
    };
    // "AL" matches emails and usernames starting so, in any case, oldest
    // first, two at a time.
    let page = app
        .gql(SEARCH, json!({ "search": "AL", "first": 2 }), Some(&admin))
        .await;
    assert_eq!(names(&page), ["alice", "albert"]);
    assert!(
        page["data"]["users"][0]["lastSignInAt"].is_string(),
        "registration signs in"
    );
    let last = page["data"]["users"][1]["id"].clone();
    let page = app
        .gql(
            SEARCH,
            json!({ "search": "al", "first": 2, "after": last }),
            Some(&admin),
        )
        .await;
    assert_eq!(names(&page), ["alfred", "al_x"]);
    // `_` and `%` are themselves, not wildcards.
    let page = app
        .gql(SEARCH, json!({ "search": "al_" }), Some(&admin))
        .await;
    assert_eq!(names(&page), ["al_x"]);
    let page = app
        .gql(SEARCH, json!({ "search": "%" }), Some(&admin))
        .await;
    assert_eq!(names(&page), Vec::<String>::new());
    // The old limit/offset still works.
    let page = app
        .gql(
            "{ users(limit: 2, offset: 1) { username } }",
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(names(&page), ["alice", "albert"]);
    let reply = app.gql(SEARCH, json!({ "first": 0 }), Some(&admin)).await;
    assert_eq!(
        error_code(&reply),
        ("BAD_USER_INPUT".into(), Some("first".into()))
    );
}
