//! The command layer's wiring: each command hands over to the module that owns the decision
//! (notify flow, analyzer inputs) and the behaviour seen from outside stays the same.

use basis::model::Venue;

use super::common::{basis, code, json, run, server, stderr};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_notify_without_sinks_warns_naming_the_config_and_still_reports() {
    let (srv, _u) = server(&[Venue::Okx], Vec::new()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("basis.toml");
    std::fs::write(&config, "[scan]\nmin_apr = 0\n").expect("config");
    let mut cmd = basis(&srv, dir.path());
    cmd.arg("--config")
        .arg(&config)
        .args(["scan", "--notify", "--venues", "okx", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "--notify: no [[notify]] sinks in the config ({}); nothing sent",
            config.display()
        )),
        "{err}"
    );
    let report = json(&out);
    assert!(
        report["opportunities"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        "the scan still reports: {report}"
    );

    // Without any config file, the warning says so.
    let mut cmd = basis(&srv, dir.path());
    cmd.args(["scan", "--notify", "--venues", "okx", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no [[notify]] sinks in the config (no config file); nothing sent"),
        "{}",
        stderr(&out)
    );
}
