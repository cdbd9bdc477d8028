//! The ledger in PostgreSQL (docs/reference.md §10). `cargo test` starts a throw-away
//! cluster from the machine's server binaries (`/usr/lib/postgresql/*/bin`), once
//! per test binary, on a Unix socket and a free port on 127.0.0.1 with TLS on (a
//! self-signed certificate made here; connections over TCP must use it), and
//! removes it at exit; as root, the server runs as the user `postgres`.
//! `LEADROUTE_TEST_POSTGRES_URL` (a superuser's URL) points the tests at an
//! existing server instead. Without either, each test prints one "skipped"
//! line and passes, unless `LEADROUTE_REQUIRE_POSTGRES=1` (set by `.ci/run`).
//! Each test works in a database of its own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::fixtures::THREE_REPS as RULES;
use crate::workdir::{Workdir, column};

/// The test password of the cluster's superuser (over TCP).
const PASSWORD: &str = "s3cret-Pw!";

struct Server {
    /// How a test's database is reached, `{db}` standing for its name.
    url: String,
    /// The superuser's settings, for the tests' own SQL.
    admin: postgres::Config,
    /// The cluster this binary started (None: `LEADROUTE_TEST_POSTGRES_URL`).
    own: Option<Cluster>,
}

struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    run_as: Option<&'static str>,
    port: u16,
    /// The server's options (`pg_ctl -o`).
    opts: String,
}

static SERVER: OnceLock<Option<Server>> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// The server, or None (the test is skipped; a failure when required).
fn server() -> Option<&'static Server> {
    let s = SERVER.get_or_init(|| match std::env::var("LEADROUTE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let admin: postgres::Config = url.parse().expect("LEADROUTE_TEST_POSTGRES_URL is not a URL");
            let base = url.split('?').next().unwrap_or(&url);
            let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
            Some(Server { url: format!("{base}/{{db}}"), admin, own: None })
        }
        _ => start_cluster(),
    });
    if s.is_none() {
        let required = std::env::var("LEADROUTE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "LEADROUTE_REQUIRE_POSTGRES=1 but no PostgreSQL server: install the `postgresql` package (its \
             /usr/lib/postgresql/*/bin/initdb) or set LEADROUTE_TEST_POSTGRES_URL"
        );
        eprintln!("skipped: no PostgreSQL server (install `postgresql`, or set LEADROUTE_TEST_POSTGRES_URL)");
    }
    s.as_ref()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs a server binary (as `postgres` when root).
fn server_cmd(c: &Cluster, tool: &str) -> Command {
    let path = c.bin.join(tool);
    match c.run_as {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--"]).arg(path);
            cmd
        }
        None => Command::new(path),
    }
}

fn start_cluster() -> Option<Server> {
    let cluster = new_cluster("shared")?;
    // SAFETY: registering a plain extern "C" function with no captured state.
    unsafe { libc::atexit(stop_cluster) };
    let (dir, port) = (cluster.dir.clone(), cluster.port);
    let mut admin = postgres::Config::new();
    admin.host_path(&dir).port(port).user("postgres").dbname("postgres");
    Some(Server {
        url: format!("postgres://postgres:{}@127.0.0.1:{port}/{{db}}", PASSWORD.replace('!', "%21")),
        admin,
        own: Some(cluster),
    })
}

/// A new cluster in a temporary folder, started; None without server binaries.
fn new_cluster(tag: &str) -> Option<Cluster> {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
        .max()?;
    let dir = std::env::temp_dir().join(format!("leadroute-pg-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let run_as = is_root().then_some("postgres");
    if run_as.is_some() {
        Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir).status().ok()?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c ssl=on -c max_connections=60 -c fsync=off \
         -c log_statement=all -c log_parameter_max_length=0 -c log_line_prefix='%d '",
        dir.display()
    );
    let cluster = Cluster { dir: dir.clone(), bin, run_as, port, opts };
    let pwfile = dir.join("pw");
    write_owned(&cluster, &pwfile, PASSWORD.as_bytes());
    let data = dir.join("data");
    let ok = server_cmd(&cluster, "initdb")
        .args(["-D"])
        .arg(&data)
        .args(["-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile"])
        .arg(&pwfile)
        .args(["-E", "UTF8", "--locale=C"])
        .output()
        .ok()?;
    assert!(ok.status.success(), "initdb failed: {}", String::from_utf8_lossy(&ok.stderr));
    // TLS: a self-signed certificate; over TCP only TLS is let in.
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("a self-signed certificate");
    write_owned(&cluster, &data.join("server.crt"), cert.cert.pem().as_bytes());
    write_owned(&cluster, &data.join("server.key"), cert.signing_key.serialize_pem().as_bytes());
    write_owned(
        &cluster,
        &data.join("pg_hba.conf"),
        b"local all all trust\nhostnossl all all 127.0.0.1/32 reject\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
    );
    cluster.start();
    Some(cluster)
}

impl Cluster {
    fn start(&self) {
        let started = server_cmd(self, "pg_ctl")
            .args(["-D"])
            .arg(self.dir.join("data"))
            .args(["-o", &self.opts, "-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "start"])
            .output()
            .expect("pg_ctl");
        if !started.status.success() {
            let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
            panic!("pg_ctl start failed: {}\n{log}", String::from_utf8_lossy(&started.stderr));
        }
    }

    /// Stops the server: `fast` ends every session (their transactions rolled back).
    fn stop(&self, mode: &str) {
        let _ = server_cmd(self, "pg_ctl")
            .args(["-D"])
            .arg(self.dir.join("data"))
            .args(["-m", mode, "-w", "stop"])
            .output();
    }

    fn admin(&self, db: &str) -> postgres::Client {
        let mut c = postgres::Config::new();
        c.host_path(&self.dir).port(self.port).user("postgres").dbname(db);
        c.connect(postgres::NoTls).expect("connect as the superuser")
    }
}

/// A cluster of one test's own, stopped and removed when dropped.
struct OwnCluster(Cluster);

impl Drop for OwnCluster {
    fn drop(&mut self) {
        self.0.stop("immediate");
        let _ = std::fs::remove_dir_all(&self.0.dir);
    }
}

/// Writes a file the server's user owns, mode 0600.
fn write_owned(c: &Cluster, path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).expect("write a cluster file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    if let Some(user) = c.run_as {
        Command::new("chown").arg(format!("{user}:{user}")).arg(path).status().expect("chown");
    }
}

extern "C" fn stop_cluster() {
    let Some(Some(Server { own: Some(c), .. })) = SERVER.get() else { return };
    c.stop("immediate");
    let _ = std::fs::remove_dir_all(&c.dir);
}

impl Server {
    fn admin(&self, db: &str) -> postgres::Client {
        let mut c = self.admin.clone();
        c.dbname(db);
        match &self.own {
            Some(_) => c.connect(postgres::NoTls).expect("connect as the superuser"),
            None => {
                let tls = tls_any();
                c.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls)).expect("connect as the superuser")
            }
        }
    }

    /// A new database for one test; returns its name and URL.
    fn database(&self) -> (String, String) {
        let name = format!("lr_{}_{}", std::process::id(), NEXT_DB.fetch_add(1, Ordering::SeqCst));
        self.admin("postgres").batch_execute(&format!("CREATE DATABASE {name}")).expect("create a database");
        let url = self.url.replace("{db}", &name);
        (name, url)
    }
}

/// A rustls set-up that accepts any certificate (the tests' own server).
fn tls_any() -> rustls::ClientConfig {
    #[derive(Debug)]
    struct Any;
    impl rustls::client::danger::ServerCertVerifier for Any {
        fn verify_server_cert(
            &self,
            _: &rustls_pki_types::CertificateDer<'_>,
            _: &[rustls_pki_types::CertificateDer<'_>],
            _: &rustls_pki_types::ServerName<'_>,
            _: &[u8],
            _: rustls_pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &rustls_pki_types::CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn verify_tls13_signature(
            &self,
            _: &[u8],
            _: &rustls_pki_types::CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            #[allow(deprecated)]
            rustls::crypto::ring::default_provider().signature_verification_algorithms.supported_schemes()
        }
    }
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(Any))
        .with_no_client_auth()
}

/// Starts `leadroute ARGS` in `wd`, paused for `pause_ms` in its recording
/// transaction (`LEADROUTE_FAULT=ledger-pause`), and returns once the server
/// shows that transaction open with the run's rows sent (`admin` watches).
// The child is returned to the caller, which waits for it (or kills it).
#[allow(clippy::zombie_processes)]
fn writer_at_its_commit(
    wd: &Workdir,
    args: &[&str],
    pause_ms: u32,
    mut admin: postgres::Client,
) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadroute"))
        .args(args)
        .env("LEADROUTE_FAULT", format!("ledger-pause={pause_ms}"))
        .current_dir(wd.path("."))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("a writer");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'leadroute' AND state = 'idle in \
                 transaction' AND query LIKE 'INSERT INTO leadroute.meta%'",
                &[],
            )
            .expect("pg_stat_activity")
            .get(0);
        if n > 0 {
            return child;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run never reached its commit");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn leads(rows: &[(&str, &str)]) -> String {
    let mut s = String::from("id,company,views\n");
    for (id, company) in rows {
        s.push_str(&format!("{id},{company},1\n"));
    }
    s
}

/// The runs of `sequence` on ledger `ledger`, each with its own export;
/// returns every output (CSV and summary JSON without times and the ledger's name).
fn runs_on(wd: &Workdir, ledger: &str) -> Vec<String> {
    let mut outputs = Vec::new();
    // A history larger than a run's batch (so that a run on PostgreSQL reads
    // only its leads' part of it): two of the later leads, and accounts the
    // later leads share.
    let mut history = String::from("id,rep,company\n");
    for k in 0..600 {
        let id = if k % 300 == 0 { format!("L{}", k / 60) } else { format!("H{k}") };
        history.push_str(&format!("{id},{},Co{}\n", ["A", "B", "C"][k % 3], 3 + k % 5));
    }
    wd.write("history.csv", history);
    wd.run(&[
        "ledger",
        "import",
        ledger,
        "--as-of",
        "2026-11-19",
        "--id",
        "id",
        "--rep",
        "rep",
        "--account",
        "company",
        "history.csv",
    ])
    .code(0);
    let days = ["2026-11-20", "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-22"];
    for (i, day) in days.iter().enumerate() {
        let rows: Vec<(String, String)> =
            (0..(3 + i * 2)).map(|k| (format!("L{}", k + i), format!("Co{}", (k + i) % 6))).collect();
        let rows: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        wd.write("leads.csv", leads(&rows));
        wd.run(&[
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            ledger,
            "--as-of",
            &format!("{day}T09:00:00Z"),
            "-q",
            "-o",
            "out.csv",
            "--summary-json",
            "summary.json",
            "leads.csv",
        ])
        .code(0);
        outputs.push(wd.read("out.csv"));
        outputs.push(summary_without_times(&wd.read("summary.json")));
    }
    // Readers: explain, compare and a dry run see the same ledger.
    let name = crate::workdir::shown_ledger(ledger);
    for args in [
        vec![
            "explain",
            "-r",
            "rules.toml",
            "--ledger",
            ledger,
            "--as-of",
            "2026-11-23T09:00:00Z",
            "--id",
            "L5",
            "leads.csv",
        ],
        vec![
            "compare",
            "-r",
            "rules.toml",
            "--set",
            "routing.balance_days=2",
            "--ledger",
            ledger,
            "--as-of",
            "2026-11-23T09:00:00Z",
            "leads.csv",
        ],
        vec![
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            ledger,
            "--dry-run",
            "--as-of",
            "2026-11-23T09:00:00Z",
            "-q",
            "-o",
            "-",
            "leads.csv",
        ],
    ] {
        let run = wd.run(&args);
        assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
        outputs.push(run.stdout.replace(&name, "LEDGER"));
    }
    wd.run(&["ledger", "export", ledger, "-o", "export.csv"]).code(0);
    outputs.push(wd.read("export.csv"));
    for args in [["--since", "2026-11-21"], ["--run", "3"]] {
        let part = wd.run(&["ledger", "export", ledger, args[0], args[1]]);
        part.code(0);
        assert!(part.stdout.lines().count() > 1, "{}", part.stdout);
        outputs.push(part.stdout.clone());
    }
    outputs
}

/// A summary's JSON without what differs between engines: times and the ledger's name.
fn summary_without_times(json: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(json).expect("summary JSON");
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.retain(|k, _| !k.contains("second") && !k.contains("elapsed") && k != "path" && !k.contains("_ms"));
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v.to_string()
}

#[test]
fn the_same_runs_give_the_same_outputs_on_both_engines() {
    let Some(server) = server() else { return };
    let (_, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    let on_sqlite = runs_on(&wd, "led.db");
    let on_postgres = runs_on(&wd, &url);
    assert_eq!(on_sqlite.len(), on_postgres.len());
    for (k, (a, b)) in on_sqlite.iter().zip(&on_postgres).enumerate() {
        assert_eq!(a, b, "output {k} differs between SQLite and PostgreSQL");
    }
    // Every lead once: the rerun of an overlapping export keeps them.
    let export = crate::workdir::parse_csv(on_postgres.last().unwrap(), b',');
    let ids = column(&export, "lead_id");
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a lead was given twice");
    // `ledger runs` shows the runs, without the password.
    let runs = wd.run(&["ledger", "runs", &url]);
    runs.code(0);
    assert!(runs.stdout.contains("2026-11-22"), "{}", runs.stdout);
    assert!(!runs.stdout.contains(PASSWORD) && !runs.stderr.contains(PASSWORD));
}

#[test]
fn ledger_copy_goes_both_ways_and_only_into_an_empty_ledger() {
    let Some(server) = server() else { return };
    let (_, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    runs_on(&wd, "led.db");
    wd.run(&["ledger", "undo", "led.db", "--run", "3"]).code(0);
    wd.run(&["ledger", "export", "led.db", "-o", "from.csv"]).code(0);
    let copied = wd.run(&["ledger", "copy", "led.db", &url]);
    copied.code(0);
    assert!(copied.stdout.contains("copied 5 runs"), "{}", copied.stdout);
    assert!(!copied.stdout.contains(PASSWORD));
    wd.run(&["ledger", "export", &url, "-o", "pg.csv"]).code(0);
    assert_eq!(wd.read("from.csv"), wd.read("pg.csv"));
    // Back into a new file.
    wd.run(&["ledger", "copy", &url, "back.db"]).code(0);
    wd.run(&["ledger", "export", "back.db", "-o", "back.csv"]).code(0);
    assert_eq!(wd.read("from.csv"), wd.read("back.csv"));
    // Run numbers are not given again: the next run on each is run 7.
    wd.write("leads.csv", leads(&[("NEW1", "CoX")]));
    for ledger in ["led.db", url.as_str(), "back.db"] {
        let run = wd.run(&[
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            ledger,
            "--as-of",
            "2026-11-23T09:00:00Z",
            "-q",
            "-o",
            "out.csv",
            "--summary-json",
            "s.json",
            "leads.csv",
        ]);
        run.code(0);
        assert!(wd.read("s.json").contains("\"run\": 7"), "{ledger}: {}", wd.read("s.json"));
    }
    // Into a ledger that is not empty: exit 1, nothing changed.
    wd.run(&["ledger", "export", &url, "-o", "before.csv"]).code(0);
    let refused = wd.run(&["ledger", "copy", "led.db", &url]);
    refused.code(1);
    assert!(refused.stderr.contains("is not empty"), "{}", refused.stderr);
    wd.run(&["ledger", "export", &url, "-o", "after.csv"]).code(0);
    assert_eq!(wd.read("before.csv"), wd.read("after.csv"));
}

#[test]
fn a_wrong_password_fails_without_printing_it() {
    let Some(server) = server() else { return };
    if server.own.is_none() {
        return;
    }
    let (_, url) = server.database();
    let wrong = url.replace(&PASSWORD.replace('!', "%21"), "not-the-Pw");
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1")]));
    let run = wd.run(&["assign", "-r", "rules.toml", "--ledger", &wrong, "-q", "-o", "out.csv", "leads.csv"]);
    run.code(1);
    assert!(run.stderr.contains("password authentication failed"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-Pw") && !run.stdout.contains("not-the-Pw"), "{}", run.stderr);
    assert!(!wd.exists("out.csv"));
    // PGPASSWORD gives the password the URL leaves out.
    let bare = url.replace(&format!(":{}@", PASSWORD.replace('!', "%21")), "@");
    wd.run_env(&["ledger", "runs", &bare], &[("PGPASSWORD", PASSWORD)]).code(0).stdout_has("no runs recorded yet");
}

#[test]
fn sslmode_require_uses_tls_and_the_server_lets_nothing_else_in() {
    let Some(server) = server() else { return };
    if server.own.is_none() {
        return;
    }
    let (_, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1")]));
    let run = |mode: &str| {
        wd.run(&[
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            &format!("{url}?sslmode={mode}"),
            "-q",
            "-o",
            "out.csv",
            "leads.csv",
        ])
    };
    // The test cluster rejects connections without TLS.
    run("disable").code(1).stderr_has("no encryption");
    run("require").code(0);
    assert_eq!(column(&wd.csv("out.csv"), "rep"), ["A"]);
    // verify-full against a self-signed certificate that no root vouches for: refused.
    run("verify-full").code(1).stderr_has("TLS");
}

#[test]
fn a_select_only_role_reads_but_cannot_record() {
    let Some(server) = server() else { return };
    if server.own.is_none() {
        return;
    }
    let (db, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1"), ("L2", "Co2")]));
    wd.run(&["assign", "-r", "rules.toml", "--ledger", &url, "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let role = format!("{db}_reader");
    server
        .admin(&db)
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'reader-pw'; GRANT USAGE ON SCHEMA leadroute TO {role}; \
             GRANT SELECT ON ALL TABLES IN SCHEMA leadroute TO {role};"
        ))
        .expect("a SELECT-only role");
    let reader = url.replace(&format!("postgres:{}", PASSWORD.replace('!', "%21")), &format!("{role}:reader-pw"));
    wd.write("leads.csv", leads(&[("L1", "Co1"), ("L3", "Co3")]));
    wd.run(&["assign", "-r", "rules.toml", "--ledger", &reader, "--dry-run", "-q", "-o", "dry.csv", "leads.csv"])
        .code(0);
    assert_eq!(column(&wd.csv("dry.csv"), "reason")[..1], ["assigned_before".to_string()]);
    let denied = wd.run(&["assign", "-r", "rules.toml", "--ledger", &reader, "-q", "-o", "out2.csv", "leads.csv"]);
    denied.code(1);
    assert!(denied.stderr.contains("lacks the INSERT privilege on leadroute."), "{}", denied.stderr);
    assert!(!denied.stderr.contains("reader-pw"));
    assert!(!wd.exists("out2.csv"));
    wd.run(&["ledger", "runs", &url]).code(0);
    let export = wd.run(&["ledger", "export", &reader]);
    export.code(0);
    assert_eq!(export.stdout.lines().count(), 3, "{}", export.stdout);
}

#[test]
fn a_held_lock_makes_wait_0_fail_at_once() {
    let Some(server) = server() else { return };
    let (db, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1")]));
    let mut holder = server.admin(&db);
    let mut tx = holder.transaction().expect("begin");
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&0x4C52_444C_i64]).expect("lock");
    let busy =
        wd.run(&["assign", "-r", "rules.toml", "--ledger", &url, "--wait", "0", "-q", "-o", "out.csv", "leads.csv"]);
    busy.code(1);
    assert!(busy.stderr.contains("in use by another run; waited 0 s"), "{}", busy.stderr);
    let waited =
        wd.run(&["assign", "-r", "rules.toml", "--ledger", &url, "--wait", "1", "-q", "-o", "out.csv", "leads.csv"]);
    waited.code(1);
    assert!(waited.stderr.contains("waited 1 s"), "{}", waited.stderr);
    tx.rollback().expect("release");
    wd.run(&["assign", "-r", "rules.toml", "--ledger", &url, "--wait", "0", "-q", "-o", "out.csv", "leads.csv"])
        .code(0);
}

#[test]
fn four_writers_give_every_lead_once_and_rotate_fairly() {
    let Some(server) = server() else { return };
    let (_, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    // Each writer: runs of 1 to 5 leads, overlapping the other writers' ids.
    let bin = env!("CARGO_BIN_EXE_leadroute");
    let mut children = Vec::new();
    for w in 0..4 {
        let dir = wd.path(&format!("w{w}"));
        std::fs::create_dir_all(&dir).unwrap();
        let script: String = (0..8)
            .map(|r| {
                let n = 1 + (r + w) % 5;
                let ids: Vec<String> = (0..n).map(|k| format!("L{}", (r * 3 + k + w) % 40)).collect();
                let csv = format!("id,company,views\n{}", ids.iter().map(|i| format!("{i},,1\n")).collect::<String>());
                std::fs::write(dir.join(format!("l{r}.csv")), csv).unwrap();
                format!(
                    "{bin} assign -r ../rules.toml --ledger '{url}' --as-of 2026-11-20T09:00:00Z -q -o o{r}.csv \
                     l{r}.csv || exit 1\n"
                )
            })
            .collect();
        children.push(Command::new("sh").arg("-c").arg(script).current_dir(&dir).spawn().expect("a writer"));
    }
    for mut c in children {
        assert!(c.wait().expect("wait").success(), "a writer failed");
    }
    let export = wd.run(&["ledger", "export", &url]);
    export.code(0);
    let rows = crate::workdir::parse_csv(&export.stdout, b',');
    let ids = column(&rows, "lead_id");
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a lead was given twice");
    let reps = column(&rows, "rep");
    let count = |r: &str| reps.iter().filter(|x| *x == r).count() as i64;
    let (a, b, c) = (count("A"), count("B"), count("C"));
    assert!((a - b).abs() <= 1 && (b - c).abs() <= 1 && (a - c).abs() <= 1, "A {a}, B {b}, C {c}");
}

#[test]
fn a_killed_writer_leaves_nothing_and_a_lost_commit_is_found_by_its_token() {
    let Some(server) = server() else { return };
    let (_, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1"), ("L2", "Co2")]));
    // Killed in the recording transaction, before its COMMIT.
    let assign = ["assign", "-r", "rules.toml", "--ledger", &url, "-q", "-o", "out.csv", "leads.csv"];
    let mut child = writer_at_its_commit(&wd, &assign, 20000, server.admin("postgres"));
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    assert!(!wd.exists("out.csv"));
    let export = wd.run(&["ledger", "export", &url]);
    export.code(0);
    assert_eq!(export.stdout.lines().count(), 1, "the killed run left rows: {}", export.stdout);
    // The answer to COMMIT lost: the run asks by its token, finds it recorded, and delivers.
    wd.run_env(
        &["assign", "-r", "rules.toml", "--ledger", &url, "-q", "-o", "out.csv", "leads.csv"],
        &[("LEADROUTE_FAULT", "ledger-commit-lost")],
    )
    .code(0);
    assert_eq!(column(&wd.csv("out.csv"), "rep"), ["A", "B"]);
    // Nothing given twice: the next run keeps both.
    wd.run(&["assign", "-r", "rules.toml", "--ledger", &url, "-q", "-o", "out.csv", "leads.csv"]).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before", "assigned_before"]);
    let export = wd.run(&["ledger", "export", &url]);
    export.code(0);
    assert_eq!(export.stdout.lines().count(), 3, "{}", export.stdout);
}

#[test]
fn a_schema_that_is_not_a_ledger_is_left_untouched() {
    let Some(server) = server() else { return };
    let (db, url) = server.database();
    server.admin(&db).batch_execute("CREATE SCHEMA leadroute; CREATE TABLE leadroute.other (x int)").expect("schema");
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1")]));
    let run = wd.run(&["assign", "-r", "rules.toml", "--ledger", &url, "-q", "-o", "out.csv", "leads.csv"]);
    run.code(1);
    assert!(run.stderr.contains("not a leadroute ledger"), "{}", run.stderr);
    // The DDL a DBA runs is idempotent: twice is the same as once.
    let ddl = wd.run(&["ledger", "schema", "--postgres"]);
    ddl.code(0);
    let ddl = ddl.stdout.clone();
    let (db2, url2) = server.database();
    let mut admin = server.admin(&db2);
    admin.batch_execute(&ddl).expect("the DDL");
    admin.batch_execute(&ddl).expect("the DDL again");
    wd.run(&["assign", "-r", "rules.toml", "--ledger", &url2, "-q", "-o", "out.csv", "leads.csv"]).code(0);
    let n: i64 = admin.query_one("SELECT count(*) FROM leadroute.assignments", &[]).expect("view").get(0);
    assert_eq!(n, 1);
}

/// The statements a run sends (each a round trip), from the server's log:
/// the same for a batch of 2 leads and one of 300 (docs/reference.md §10.4).
#[test]
fn round_trips_do_not_grow_with_the_batch() {
    let Some(server) = server() else { return };
    let Some(cluster) = &server.own else { return };
    let (db, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    let mut history = String::from("id,rep,company\n");
    // Large beside either batch: both runs read only their leads' part.
    for k in 0..12000 {
        history.push_str(&format!("H{k},{},Co{}\n", ["A", "B", "C"][k % 3], k % 50));
    }
    wd.write("history.csv", history);
    wd.run(&[
        "ledger",
        "import",
        &url,
        "--as-of",
        "2026-11-19",
        "--id",
        "id",
        "--rep",
        "rep",
        "--account",
        "company",
        "history.csv",
    ])
    .code(0);
    let log = cluster.dir.join("log");
    let statements = |n: usize, first: usize| -> Vec<String> {
        // New leads, and some assigned before (H...).
        let rows: Vec<(String, String)> = (0..n)
            .map(|k| {
                (if k % 2 == 0 { format!("N{first}_{k}") } else { format!("H{}", first + k) }, format!("Co{}", k % 7))
            })
            .collect();
        let rows: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        wd.write("leads.csv", leads(&rows));
        let before = std::fs::read(&log).expect("the server's log").len();
        wd.run(&[
            "assign",
            "-r",
            "rules.toml",
            "--ledger",
            &url,
            "--as-of",
            "2026-11-20",
            "-q",
            "-o",
            "out.csv",
            "leads.csv",
        ])
        .code(0);
        let text = std::fs::read(&log).expect("the server's log");
        let prefix = format!("{db} LOG:  ");
        String::from_utf8_lossy(&text[before..])
            .lines()
            .filter(|l| l.starts_with(&prefix) && (l.contains("statement: ") || l.contains("execute ")))
            // The statement alone (not its prepared name).
            .map(|l| l.split_once(": ").map_or(l, |(_, s)| s).chars().take(60).collect())
            .collect()
    };
    // A first run adds the names of the rules and of its reasons; the runs
    // after it are alike (new names only, not a statement per lead).
    statements(300, 0);
    let small = statements(2, 100);
    let large = statements(300, 400);
    assert!(small.len() > 5, "the log shows no statements ({small:?})");
    assert_eq!(
        small.len(),
        large.len(),
        "a run of 300 leads sent more statements than one of 2:\n{small:#?}\n{large:#?}"
    );
}

/// The server stopped while a run records and started again: the run
/// reconnects, asks by its token, finds nothing recorded, and exits 1 with
/// no output put in place; the next run gives those leads once.
#[test]
fn a_server_stopped_at_the_commit_loses_nothing_and_gives_nothing_twice() {
    if server().is_none() {
        return;
    }
    let Some(cluster) = new_cluster("restart") else { return };
    let cluster = OwnCluster(cluster);
    cluster.0.admin("postgres").batch_execute("CREATE DATABASE restart").expect("a database");
    let url = format!("postgres://postgres:{}@127.0.0.1:{}/restart", PASSWORD.replace('!', "%21"), cluster.0.port);
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1"), ("L2", "Co2")]));
    let assign =
        ["assign", "-r", "rules.toml", "--ledger", url.as_str(), "--wait", "30", "-q", "-o", "out.csv", "leads.csv"];
    wd.run(&["ledger", "runs", &url]).code(0);
    let child = writer_at_its_commit(&wd, &assign, 3000, cluster.0.admin("postgres"));
    cluster.0.stop("fast");
    std::thread::sleep(std::time::Duration::from_millis(500));
    cluster.0.start();
    let out = child.wait_with_output().expect("the writer ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has not recorded the run"), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    assert!(!wd.exists("out.csv"));
    wd.run(&assign).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["balanced", "balanced"]);
    wd.run(&assign).code(0);
    assert_eq!(column(&wd.csv("out.csv"), "reason"), ["assigned_before", "assigned_before"]);
    let export = wd.run(&["ledger", "export", &url]);
    export.code(0);
    assert_eq!(export.stdout.lines().count(), 3, "{}", export.stdout);
}

/// SLA reassignments, response times and `response` (docs/reference.md §11) on both
/// engines, with a history large enough that a run on PostgreSQL reads only
/// its leads' part: the same outputs.
#[test]
fn slas_and_response_times_are_the_same_on_both_engines() {
    let Some(server) = server() else { return };
    let (_, url) = server.database();
    let wd = Workdir::new();
    wd.write("rules.toml", crate::sla::RULES);
    let mut history = String::from("id,rep,company,at\n");
    for k in 0..800 {
        let rep = ["Aino", "Bertil", "Cecilia"][k % 3];
        history.push_str(&format!("H{k},{rep},Co{},2026-11-02T1{}:00Z\n", k % 9, k % 6));
    }
    wd.write("history.csv", history);
    let sequence = |ledger: &str| -> Vec<String> {
        let mut outputs = Vec::new();
        wd.run(&[
            "ledger",
            "import",
            ledger,
            "--as-of",
            "2026-11-02",
            "--id",
            "id",
            "--rep",
            "rep",
            "--account",
            "company",
            "--assigned-at",
            "at",
            "-r",
            "rules.toml",
            "history.csv",
        ])
        .code(0);
        let runs: [(&str, [&str; 3]); 3] = [
            ("2026-11-03T09:05Z", ["", "", ""]),
            ("2026-11-03T10:00Z", ["2026-11-03T09:20Z", "", ""]),
            ("2026-11-03T11:00Z", ["2026-11-03T09:20Z", "2026-11-03T10:30Z", ""]),
        ];
        for (when, touched) in runs {
            wd.write(
                "leads.csv",
                crate::sla::leads(&[
                    ("S1", 9, touched[0], "Co1"),
                    ("S2", 9, touched[1], "Co2"),
                    ("S3", 9, touched[2], "Co3"),
                    ("H4", 9, "", "Co4"),
                    ("X1", 1, "", "Co5"),
                ]),
            );
            let run = wd.run(&[
                "assign",
                "-r",
                "rules.toml",
                "--ledger",
                ledger,
                "--as-of",
                when,
                "-q",
                "-o",
                "out.csv",
                "--summary-json",
                "summary.json",
                "leads.csv",
            ]);
            assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
            outputs.push(wd.read("out.csv"));
            outputs.push(summary_without_times(&wd.read("summary.json")));
            outputs.push(run.stderr.clone());
        }
        let response =
            wd.run(&["response", "-r", "rules.toml", "--ledger", ledger, "--as-of", "2026-11-03T12:00Z", "leads.csv"]);
        response.code(0);
        outputs.push(response.stdout.replace(&crate::workdir::shown_ledger(ledger), "LEDGER"));
        wd.run(&["ledger", "export", ledger, "-o", "export.csv"]).code(0);
        outputs.push(wd.read("export.csv"));
        outputs
    };
    let on_sqlite = sequence("led.db");
    let on_postgres = sequence(&url);
    assert!(on_sqlite.iter().any(|o| o.contains("sla_reassigned")), "no SLA reassignment happened: {on_sqlite:#?}");
    for (k, (a, b)) in on_sqlite.iter().zip(&on_postgres).enumerate() {
        assert_eq!(a, b, "output {k} differs between SQLite and PostgreSQL");
    }
}

/// The server stopped at the commit and not back within `--wait`: whether the
/// run was recorded is unknown; exit 1 naming the run token, no output put in
/// place, the password never printed.
#[test]
fn a_server_gone_past_the_wait_leaves_the_outputs_and_names_the_token() {
    if server().is_none() {
        return;
    }
    let Some(cluster) = new_cluster("gone") else { return };
    let cluster = OwnCluster(cluster);
    cluster.0.admin("postgres").batch_execute("CREATE DATABASE gone").expect("a database");
    let url = format!("postgres://postgres:{}@127.0.0.1:{}/gone", PASSWORD.replace('!', "%21"), cluster.0.port);
    let wd = Workdir::new();
    wd.write("rules.toml", RULES);
    wd.write("leads.csv", leads(&[("L1", "Co1")]));
    let assign = ["assign", "-r", "rules.toml", "--ledger", &url, "--wait", "2", "-q", "-o", "out.csv", "leads.csv"];
    let child = writer_at_its_commit(&wd, &assign, 3000, cluster.0.admin("postgres"));
    cluster.0.stop("fast");
    let out = child.wait_with_output().expect("the writer ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("may or may not be recorded") && stderr.contains("token "), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    assert!(!wd.exists("out.csv"));
}
