//! Running an external tool with a time limit, and turning its failure into
//! one clear line.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::discovery::FoundTool;

/// Why a tool run did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// The program could not be started.
    #[error("could not start {tool} ({path}): {message}")]
    Spawn {
        /// Tool name.
        tool: String,
        /// Program path.
        path: String,
        /// OS error.
        message: String,
    },
    /// The program ran past its time limit and was killed.
    #[error(
        "{tool} did not finish within {seconds} s and was stopped ({what}); raise the limit or shrink the design"
    )]
    TimedOut {
        /// Tool name.
        tool: String,
        /// What it was doing.
        what: String,
        /// The limit.
        seconds: u64,
    },
    /// The program exited with an error.
    #[error("{tool} failed ({what}), exit code {code}: {excerpt}")]
    Failed {
        /// Tool name.
        tool: String,
        /// What it was doing.
        what: String,
        /// Exit code (-1 when killed by a signal).
        code: i32,
        /// The first error lines it printed.
        excerpt: String,
    },
}

/// Runs `tool` with `args` in `dir`, waiting at most `limit`; a non-zero exit is an error.
pub fn run(
    tool: &FoundTool,
    args: &[&str],
    dir: &Path,
    limit: Duration,
    what: &str,
) -> Result<Output, ToolError> {
    let mut cmd = Command::new(&tool.path);
    cmd.args(args);
    run_command(cmd, tool.tool.name(), dir, limit, what)
}

/// Runs a prepared command in `dir`, waiting at most `limit`; a non-zero exit is an error.
pub fn run_command(
    mut cmd: Command,
    name: &str,
    dir: &Path,
    limit: Duration,
    what: &str,
) -> Result<Output, ToolError> {
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| ToolError::Spawn {
        tool: name.into(),
        path: format!("{:?}", cmd.get_program()),
        message: e.to_string(),
    })?;
    // Drain both pipes on threads so a chatty tool never blocks on a full pipe.
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ToolError::TimedOut {
                    tool: name.into(),
                    what: what.into(),
                    seconds: limit.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                return Err(ToolError::Spawn {
                    tool: name.into(),
                    path: String::new(),
                    message: e.to_string(),
                });
            }
        }
    };
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    let output = Output {
        status,
        stdout,
        stderr,
    };
    if !output.status.success() {
        return Err(ToolError::Failed {
            tool: name.into(),
            what: what.into(),
            code: output.status.code().unwrap_or(-1),
            excerpt: excerpt(&output),
        });
    }
    Ok(output)
}

/// The most telling lines of a failed run: error lines first, else the last lines, joined on one line.
pub fn excerpt(out: &Output) -> String {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.to_ascii_lowercase().contains("error"))
        .take(3)
        .collect();
    let chosen = if errors.is_empty() {
        lines[lines.len().saturating_sub(3)..].to_vec()
    } else {
        errors
    };
    let joined = chosen.join(" | ");
    if joined.len() > 400 {
        format!("{}…", &joined[..joined.floor_char_boundary(400)])
    } else {
        joined
    }
}
