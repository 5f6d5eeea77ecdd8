//! muc-core stays sans-IO: its normal dependency tree has no tokio (nor any
//! other runtime or socket crate).

#[test]
fn no_runtime_in_the_normal_dependency_tree() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "tree",
            "-p",
            "muc-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("muc-xso"), "the tree was read: {tree}");
    for banned in ["tokio ", "tokio-xmpp", "async-std", "mio ", "smol "] {
        assert!(
            !tree.contains(banned),
            "muc-core depends on {banned}:\n{tree}"
        );
    }
}
