//! `openapi.yaml` is the contract: its routes are exactly the server's, every route is served,
//! and the objects the server sends have the properties the spec names.

use std::collections::BTreeSet;

use hadir_api::routes::ROUTES;
use hadir_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml"))
        .expect("openapi.yaml at the repository root");
    serde_yaml_ng::from_str(&text).expect("openapi.yaml parses")
}

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

fn spec_routes(spec: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn the_spec_and_the_router_list_the_same_routes() {
    let spec = spec();
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let documented = spec_routes(&spec);
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in openapi.yaml: {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "in openapi.yaml but not served: {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_in_the_table_is_really_served() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (method, path) in ROUTES {
        if *path == "/api/v1/auth/logout" {
            continue; // would end the session the loop uses; covered in auth tests
        }
        let concrete = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let body = matches!(method, Method::POST | Method::PATCH).then(|| json!({}));
        let res = app
            .request(
                method.clone(),
                &concrete,
                Some(&admin.access),
                body.as_ref(),
            )
            .await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !text.contains("no route for this path"),
            "{method} {path} is not routed"
        );
    }
}

/// The property names of a component schema.
fn properties(spec: &Value, schema: &str) -> BTreeSet<String> {
    spec["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {schema} has properties"))
        .keys()
        .cloned()
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

fn required(spec: &Value, schema: &str) -> BTreeSet<String> {
    spec["components"]["schemas"][schema]["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_objects_sent_have_exactly_the_properties_the_spec_names() {
    let spec = spec();
    let app = TestApp::spawn().await;
    let pair: Value = app
        .login("admin", hadir_tests::ADMIN_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys(&pair), properties(&spec, "TokenPair"));
    assert_eq!(keys(&pair["user"]), properties(&spec, "SessionUser"));
    let token = pair["access_token"].as_str().unwrap();

    let page: Value = app.get("/api/v1/users", token).await.json().await.unwrap();
    assert_eq!(keys(&page["items"][0]), properties(&spec, "User"));
    assert!(required(&spec, "User").is_subset(&keys(&page["items"][0])));

    let problem: Value = app.get("/nowhere", token).await.json().await.unwrap();
    let sent = keys(&problem);
    assert!(sent.is_subset(&properties(&spec, "Problem")), "{sent:?}");
    assert!(required(&spec, "Problem").is_subset(&sent));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_is_served_as_written() {
    let app = TestApp::spawn().await;
    let res = app.request(Method::GET, "/openapi.yaml", None, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/yaml")
    );
    let served = res.text().await.unwrap();
    let on_disk =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    assert_eq!(served, on_disk);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_has_exactly_the_properties_the_spec_names() {
    let spec = spec();
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.seed_org();
    let budi = app.seed_staff(&admin, &org, "budi", "employee", true).await;
    let mut meta = hadir_tests::meta_at(hadir_tests::CIMAHI.0 + 0.002, hadir_tests::CIMAHI.1, 10.0);
    meta["device_id"] = json!("a1b2c3");
    let res = app
        .post_check_in(
            &budi.tokens.access,
            &meta,
            hadir_tests::photo("selfie-a-480x640.jpg"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(keys(&body), properties(&spec, "CheckIn"));
    assert_eq!(keys(&body["place"]), properties(&spec, "Place"));
    assert_eq!(keys(&body["flags"][0]), properties(&spec, "Flag"));
    let page: Value = app
        .get("/api/v1/me/check-ins", &budi.tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys(&page), properties(&spec, "CheckInList"));
    let me: Value = app
        .get("/api/v1/me", &budi.tokens.access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys(&me), properties(&spec, "Me"));
    assert_eq!(keys(&me["offices"][0]), properties(&spec, "Office"));
    let codes: BTreeSet<String> = hadir_domain::checkin::FlagCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    let documented: BTreeSet<String> = spec["components"]["schemas"]["Flag"]["properties"]["code"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, documented, "every flag code is documented");
}

/// The plain (unquoted) scalars that YAML 1.1 readers (`PyYAML`, hence schemathesis and many
/// client generators) take for something other than a string.
fn yaml11_non_string(item: &str) -> bool {
    const WORDS: [&str; 26] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL",
    ];
    WORDS.contains(&item)
        || item.parse::<f64>().is_ok()
        || item.starts_with("0x")
        || item.starts_with("0o")
}

/// The enumeration values of `text` (inline `enum: [a, b]` or block `enum:` then `- a`) that
/// are written without quotes and that a YAML 1.1 reader would not read as strings.
fn ambiguous_enum_values(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.trim_start().strip_prefix("enum:") else {
            continue;
        };
        let items: Vec<String> = if let Some(inline) = rest.trim().strip_prefix('[') {
            inline
                .trim_end_matches(']')
                .split(',')
                .map(|i| i.trim().to_owned())
                .collect()
        } else {
            let mut block = Vec::new();
            while let Some(next) = lines.peek() {
                let Some(item) = next.trim_start().strip_prefix("- ") else {
                    break;
                };
                block.push(item.trim().to_owned());
                lines.next();
            }
            block
        };
        found.extend(items.into_iter().filter(|i| yaml11_non_string(i)));
    }
    found
}

/// Collects the `enum` values under `value` that are not strings.
fn walk(value: &Value, path: &str, bad: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "enum"
                    && let Some(items) = v.as_array()
                {
                    bad.extend(
                        items
                            .iter()
                            .filter(|i| !i.is_string())
                            .map(|i| format!("{path}: {i}")),
                    );
                }
                walk(v, &format!("{path}/{k}"), bad);
            }
        }
        Value::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                walk(v, &format!("{path}/{n}"), bad);
            }
        }
        _ => {}
    }
}

#[test]
fn every_enumeration_value_is_a_string_for_every_yaml_reader() {
    // The check itself finds what it is for.
    assert_eq!(
        ambiguous_enum_values(
            "a:\n  enum: [office, off, 'off', \"no\", 1]\n  b:\n    enum:\n      - yes\n      - 'no'\n"
        ),
        ["off", "1", "yes"]
    );
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    let ambiguous = ambiguous_enum_values(&text);
    assert!(
        ambiguous.is_empty(),
        "quote these enum values, YAML 1.1 readers take them for booleans, numbers or null: {ambiguous:?}"
    );
    // And every value, as parsed, is a string.
    let mut bad = Vec::new();
    walk(&spec(), "", &mut bad);
    assert!(bad.is_empty(), "enum values that are not strings: {bad:?}");
}
