//! `vidprism farm init DIR`: sets up a farm's server the safe way. Writes
//! into DIR a nats-server configuration (JetStream with its store in
//! DIR/store, the listening address, optional TLS, a login per worker
//! machine (`worker-1`...) and a `submitter` login, with least privilege
//! and random passwords), one password file and one environment file per
//! login, then prints what to run where, with the passwords read from
//! their files (never printed).
//! Secrets are written mode 0600, folders 0700; nothing that exists is
//! overwritten.

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use vidprism_farm::server_config::{
    ServerSetup, ServerTls, DEFAULT_LISTEN, DEFAULT_WORKERS, MAX_WORKERS,
};

/// The configuration file `farm init` writes.
const CONFIG_FILE: &str = "nats-server.conf";

#[derive(Subcommand, Debug)]
pub enum FarmCommand {
    /// Write a locked-down nats-server configuration for a farm into DIR,
    /// with a login per worker machine and a `submitter` login, and print
    /// how to start it.
    Init(FarmInitArgs),
    /// Add a login for one more worker machine to the configuration
    /// `farm init` wrote in DIR; the server then reloads it.
    AddWorker(FarmAddWorkerArgs),
}

#[derive(Args, Debug)]
pub struct FarmAddWorkerArgs {
    /// The folder `farm init` wrote.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct FarmInitArgs {
    /// Folder for the configuration, the logins and the server's store
    /// (made if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Address and port the server listens on. The default is this
    /// machine only; for workers elsewhere say so (`0.0.0.0:4222`) and
    /// give --tls-cert and --tls-key. Only the farm's logins get in.
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// The server's TLS certificate (PEM); clients then use tls://.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Worker logins to make (`worker-1`...): one per worker machine, so
    /// that no worker can read another's work or touch its outputs.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_WORKERS,
          value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_WORKERS)))]
    pub workers: u16,
}

pub fn run(command: FarmCommand) -> anyhow::Result<ExitCode> {
    match command {
        FarmCommand::Init(args) => init(args),
        FarmCommand::AddWorker(args) => add_worker(args),
    }
}

fn init(args: FarmInitArgs) -> anyhow::Result<ExitCode> {
    private_dir(&args.dir)?;
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("{}", args.dir.display()))?;
    let config = dir.join(CONFIG_FILE);
    let env_file = |user: &str| dir.join(format!("{user}.env"));
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(ServerTls {
            cert: existing_file(&cert, "--tls-cert")?,
            key: existing_file(&key, "--tls-key")?,
        }),
        _ => None,
    };
    let store = dir.join("store");
    let setup = ServerSetup::new(args.listen, store.clone(), tls, args.workers)?;
    let logins = setup.users();
    let mut targets = vec![config.clone()];
    for user in &logins {
        targets.push(env_file(user));
        targets.push(ServerSetup::password_file(&dir, user));
    }
    for file in &targets {
        if file.symlink_metadata().is_ok() {
            bail!(
                "{}: already exists; farm init never overwrites a configuration \
                 (move it away, or choose another folder)",
                file.display()
            );
        }
    }
    private_dir(&store)?;
    let text = setup.config_text()?;
    write_secret(&config, &text)?;
    for user in &logins {
        let password_file = ServerSetup::password_file(&dir, user);
        write_secret(&password_file, &setup.password_text(user))?;
        write_secret(&env_file(user), &setup.env_file(&dir, user))?;
    }
    println!("Wrote {}.\n", config.display());
    print!("{}", setup.summary(&config, &dir));
    Ok(ExitCode::SUCCESS)
}

/// Adds the next worker login to DIR's configuration: its password and
/// env files written new, the configuration replaced whole (a new file
/// renamed over it), the other logins as they were.
fn add_worker(args: FarmAddWorkerArgs) -> anyhow::Result<ExitCode> {
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("{}", args.dir.display()))?;
    let config = dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&config)
        .with_context(|| format!("{}: cannot read it", config.display()))?;
    let mut setup =
        ServerSetup::from_config_text(&text).with_context(|| format!("{}", config.display()))?;
    let login = setup.add_worker()?;
    let user = login.name();
    let password_file = ServerSetup::password_file(&dir, user);
    let env_file = dir.join(format!("{user}.env"));
    for file in [&password_file, &env_file] {
        if file.symlink_metadata().is_ok() {
            bail!(
                "{}: already exists; farm add-worker never overwrites a login (move it away)",
                file.display()
            );
        }
    }
    let staged = dir.join(format!(".{CONFIG_FILE}.new"));
    match std::fs::remove_file(&staged) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("{}", staged.display()))
        }
        _ => {}
    }
    write_secret(&staged, &setup.config_text()?)?;
    write_secret(&password_file, &setup.password_text(user))?;
    write_secret(&env_file, &setup.env_file(&dir, user))?;
    std::fs::rename(&staged, &config)
        .with_context(|| format!("{}: cannot replace it", config.display()))?;
    println!(
        "Added the login {user} to {config}.\n\n\
         Reload the server for it to take effect (the other logins are unchanged):\n  \
         nats-server --signal reload\n(=PID when several servers run; or restart it).\n\n\
         Its password is in {password} (mode 0600: copy it to the new worker\n\
         machine, as a private file). On that machine:\n  vidprism worker {options}",
        config = config.display(),
        password = password_file.display(),
        options = setup.login_options(&dir, user),
    );
    Ok(ExitCode::SUCCESS)
}

/// Makes a folder (and missing parents) only the user can enter; an
/// existing one is left as it is.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("{}: cannot make the folder", dir.display()))
}

/// A TLS file as an absolute path, which must exist.
fn existing_file(path: &Path, option: &str) -> anyhow::Result<PathBuf> {
    let absolute =
        std::path::absolute(path).with_context(|| format!("{option} {}", path.display()))?;
    if !absolute.is_file() {
        bail!("{option} {}: no such file", path.display());
    }
    Ok(absolute)
}

/// Writes a new file only the user can read; an existing one is an error.
fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("{}: cannot write it", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("{}: cannot write it", path.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn args(dir: &Path) -> FarmInitArgs {
        FarmInitArgs {
            dir: dir.to_path_buf(),
            listen: "127.0.0.1:4333".parse().unwrap(),
            tls_cert: None,
            tls_key: None,
            workers: 2,
        }
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_secrets_private_and_never_overwrites() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("farm");
        init(args(&dir)).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("store")), 0o700);
        for file in [
            CONFIG_FILE,
            "worker-1.env",
            "worker-2.env",
            "submitter.env",
            "worker-1.password",
            "worker-2.password",
            "submitter.password",
        ] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
        }
        let before = std::fs::read_to_string(dir.join(CONFIG_FILE)).unwrap();
        let again = init(args(&dir)).unwrap_err().to_string();
        assert!(
            again.contains("nats-server.conf: already exists"),
            "{again}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join(CONFIG_FILE)).unwrap(),
            before
        );
    }

    #[test]
    fn an_existing_login_file_alone_is_not_overwritten() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(temp.path().join("worker-2.env"), "mine").unwrap();
        let refused = init(args(temp.path())).unwrap_err().to_string();
        assert!(
            refused.contains("worker-2.env: already exists"),
            "{refused}"
        );
        assert!(!temp.path().join(CONFIG_FILE).exists());
        assert!(!temp.path().join("worker-1.password").exists());
        assert_eq!(
            std::fs::read_to_string(temp.path().join("worker-2.env")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn a_worker_login_is_added_and_the_others_kept() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("farm");
        init(args(&dir)).unwrap();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap();
        let before = read(CONFIG_FILE);
        let first = read("worker-1.password");
        add_worker(FarmAddWorkerArgs { dir: dir.clone() }).unwrap();
        let after = read(CONFIG_FILE);
        assert!(after.contains("user: \"worker-3\""), "{after}");
        assert!(after.contains(&format!("password: \"{}\"", first.trim())));
        assert!(after.contains(&format!(
            "password: \"{}\"",
            read("worker-3.password").trim()
        )));
        assert_ne!(before, after);
        for file in [CONFIG_FILE, "worker-3.password", "worker-3.env"] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
        }
        assert_eq!(read("worker-1.password"), first);
        assert!(!dir.join(format!(".{CONFIG_FILE}.new")).exists());
        // A login file in the way is never overwritten.
        std::fs::write(dir.join("worker-4.env"), "mine").unwrap();
        let refused = add_worker(FarmAddWorkerArgs { dir: dir.clone() }).unwrap_err();
        assert!(refused.to_string().contains("worker-4.env: already exists"));
        assert_eq!(read(CONFIG_FILE), after);
    }

    #[test]
    fn an_older_configuration_gets_no_login_and_says_what_to_run() {
        let temp = tempfile::tempdir().unwrap();
        let older = "listen: \"127.0.0.1:4222\"\njetstream {\n  store_dir: \"/s\"\n}\n\
                     authorization {\n  users: [\n    {\n      user: \"worker\"\n      password: \"a\"\n";
        std::fs::write(temp.path().join(CONFIG_FILE), older).unwrap();
        let refused = add_worker(FarmAddWorkerArgs {
            dir: temp.path().to_path_buf(),
        })
        .unwrap_err();
        let said = format!("{refused:#}");
        assert!(said.contains("older `vidprism farm init`"), "{said}");
        assert!(said.contains("run `vidprism farm init NEW_DIR`"), "{said}");
        assert_eq!(
            std::fs::read_to_string(temp.path().join(CONFIG_FILE)).unwrap(),
            older
        );
    }

    #[test]
    fn a_missing_tls_file_is_named() {
        let temp = tempfile::tempdir().unwrap();
        let mut a = args(temp.path());
        a.tls_cert = Some(temp.path().join("cert.pem"));
        a.tls_key = Some(temp.path().join("key.pem"));
        let refused = init(a).unwrap_err().to_string();
        assert!(refused.contains("--tls-cert"), "{refused}");
        assert!(!temp.path().join(CONFIG_FILE).exists());
    }
}
