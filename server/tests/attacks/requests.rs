//! Hostile requests to any route: JSON bodies nested 100 000 deep, and control characters
//! (`%00`, `%0a`, `%09`, CR LF) in path segments and query values (review L1).

use crate::harness::{assert_refused, Server};

/// Percent-encoded NUL, LF, TAB and a CR LF header injection.
const CONTROL: [&str; 4] = ["%00", "%0a", "x%09y", "%0d%0aSet-Cookie:%20a=b"];

#[test]
fn json_bodies_nested_100000_deep_are_refused_not_a_stack_overflow() {
    let server = Server::start();
    let deep_array = "[".repeat(100_000);
    let deep_mdl = format!(
        "{{\"mdl\": {{\"metadata\": {}{}}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_object = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let attacks: [(&str, Option<&str>, &str); 5] = [
        ("/v1/campaigns", Some(&server.key), &deep_array),
        ("/v1/campaigns", Some(&server.key), &deep_mdl),
        ("/v1/templates", Some(&server.key), &deep_object),
        ("/v1/files/presign", Some(&server.key), &deep_object),
        // Anyone can call connect: no key needed to send this one.
        ("/v1/connect", None, &deep_array),
    ];
    let mut largest = 0;
    for (route, key, body) in attacks {
        let attack = format!("POST {route} with a body nested 100 000 deep");
        let res = server.post_raw_json(route, key, body.as_bytes());
        assert_refused(&res, &attack);
        largest = largest.max(body.len());
    }
    server.assert_survived(
        "JSON bodies nested 100 000 deep",
        Server::allowance(largest),
    );
}

#[test]
fn control_characters_in_path_segments_are_a_4xx_not_a_crash() {
    let server = Server::start();
    let auth = format!("Bearer {}", server.key);
    for value in CONTROL {
        for (method, target) in [
            ("GET", format!("/v1/campaigns/{value}")),
            ("GET", format!("/v1/campaigns/{value}/results")),
            ("DELETE", format!("/v1/campaigns/{value}")),
            ("POST", format!("/v1/campaigns/{value}/start")),
            ("GET", format!("/v1/files/{value}")),
            ("GET", format!("/v1/datasets/{value}/download")),
            ("GET", format!("/v1/jobs/{value}/logs")),
            ("GET", format!("/v1/templates/{value}/download")),
            ("DELETE", format!("/v1/api-keys/{value}")),
            ("GET", format!("/v1/{value}")),
        ] {
            let res = server.request(method, &target, &[("Authorization", &auth)], &[]);
            assert_refused(&res, &format!("{method} {target}"));
        }
        // The signed upload route takes no key: its signature is checked first.
        let target = format!("/uploads/{value}?expires={value}&nonce={value}&signature={value}");
        let res = server.request("PUT", &target, &[("Content-Type", "model/stl")], b"solid");
        assert_refused(&res, &format!("PUT {target}"));
    }
    server.assert_survived("control characters in path segments", Server::allowance(0));
}

#[test]
fn control_characters_in_query_values_are_a_4xx_not_a_crash() {
    let server = Server::start();
    for value in CONTROL {
        for target in [
            format!("/v1/campaigns?status={value}"),
            format!("/v1/campaigns?sort={value}"),
            format!("/v1/campaigns?page={value}&per_page={value}"),
            format!("/v1/files?per_page={value}"),
            format!("/v1/jobs?status={value}"),
            format!("/v1/jobs?sort={value}"),
            format!("/v1/templates?domain=battery&sort={value}"),
            format!("/v1/datasets?sort={value}"),
        ] {
            let res = server.get(&target);
            assert_refused(&res, &format!("GET {target}"));
        }
    }
    server.assert_survived("control characters in query values", Server::allowance(0));
}
