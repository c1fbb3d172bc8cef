//! The front end of `berth build`: the Dockerfile language, as BuildKit's
//! Dockerfile frontend defines it, as pure functions over text.
//!
//! - `parser`: lines to nodes with line/column spans (directives,
//!   comments, continuations, flags, JSON and shell forms, heredocs);
//! - `instructions`: nodes to typed, validated instructions, and the
//!   `--dry-run --format json` shape;
//! - `expand`: the shell-word lexer that expands `$v`, `${v:-w}` …;
//! - `stages`: split into stages, ARG scoping (global, per stage,
//!   predefined), and expansion of each stage's instructions.
//!
//! - `context`: the build context, and which of its files (or of a
//!   `--from` image's) a COPY or ADD selects, with their digest.
//!
//! Only `context` reads files, below a root it cannot leave; nothing here
//! writes any or touches the store: executing a build is the job of `ops`.

pub mod context;
pub mod expand;
pub mod ignore;
pub mod instructions;
pub mod parser;
pub mod stages;

pub use expand::{expand_word, ExpandError, Lexer};
pub use instructions::{
    Args, Command, CommandLine, CopyCmd, FromCmd, Healthcheck, Instruction, KeyValue, RunCmd,
};
pub use parser::{Directives, Heredoc, Warning};
pub use stages::{
    expand_stage, split_stages, BuildArgs, Env, ExpandedStage, Platform, Stage, Stages, Step,
};

use std::fmt;

/// An error in a Dockerfile: where, and what was expected. Displays as
/// `Dockerfile:3:5: unknown instruction "FORM" (did you mean FROM?)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for DockerfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for DockerfileError {}

/// A parsed and validated Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The name used in errors (`Dockerfile`, `build/Containerfile`).
    pub file: String,
    pub directives: Directives,
    pub instructions: Vec<Instruction>,
    pub warnings: Vec<Warning>,
}

/// Parses and validates a Dockerfile; `file` names it in errors.
pub fn parse(file: &str, source: &str) -> Result<Dockerfile, DockerfileError> {
    let parsed = parser::parse_nodes(file, source)?;
    let instructions = parsed
        .nodes
        .iter()
        .map(|n| instructions::from_node(file, n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Dockerfile {
        file: file.to_string(),
        directives: parsed.directives,
        instructions,
        warnings: parsed.warnings,
    })
}

/// The `--dry-run --format json` objects, one per instruction: `name`,
/// `flags`, `args`, `json_form`, `heredocs`, `line`, `end_line`.
pub fn dry_run_json(dockerfile: &Dockerfile) -> Vec<serde_json::Value> {
    dockerfile
        .instructions
        .iter()
        .map(|i| serde_json::to_value(i).unwrap_or(serde_json::Value::Null))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dry_run_shape() {
        let df = parse(
            "Dockerfile",
            "ARG V=1\nFROM --platform=linux/amd64 alpine:$V AS base\nENV A=1 B=\"x y\"\nRUN --network=none echo \\\n  hi\nCOPY <<EOF /f\nhello\nEOF\nCMD [\"sh\"]\n",
        )
        .unwrap();
        let v = dry_run_json(&df);
        assert_eq!(
            v[0],
            json!({"name":"arg","flags":[],"args":[{"key":"V","value":"1"}],"json_form":false,"heredocs":[],"line":1,"end_line":1})
        );
        assert_eq!(v[1]["flags"], json!(["--platform=linux/amd64"]));
        assert_eq!(v[1]["args"], json!(["alpine:$V", "AS", "base"]));
        assert_eq!(
            v[2]["args"],
            json!([{"key":"A","value":"1"},{"key":"B","value":"\"x y\""}])
        );
        assert_eq!(v[3]["args"], json!(["echo   hi"]));
        assert_eq!(
            (v[3]["line"].clone(), v[3]["end_line"].clone()),
            (json!(4), json!(5))
        );
        assert_eq!(
            v[4]["heredocs"],
            json!([{"name":"EOF","content":"hello\n","expand":true,"chomp":false,"fd":0}])
        );
        assert_eq!(v[4]["end_line"], json!(8));
        assert_eq!(v[5]["json_form"], json!(true));
        assert_eq!(v[5]["args"], json!(["sh"]));
    }

    #[test]
    fn error_display() {
        let e = DockerfileError {
            file: "Dockerfile".into(),
            line: 3,
            column: 5,
            message: "unknown instruction \"FORM\" (did you mean FROM?)".into(),
        };
        assert_eq!(
            e.to_string(),
            "Dockerfile:3:5: unknown instruction \"FORM\" (did you mean FROM?)"
        );
    }

    /// Deterministic mutation fuzzing: no input may panic.
    #[test]
    fn never_panics_on_mutated_input() {
        let seeds = [
            "# syntax=docker/dockerfile:1\n# escape=\\\nARG BASE=alpine\nFROM --platform=$BUILDPLATFORM ${BASE:-x} AS b\nARG BASE\nENV A=1 B=\"${A:+y}\" C=${A#1}\nRUN --mount=type=cache,target=/c <<EOF bash \\\n  && echo ${A//1/2}\necho $HOME\nEOF\nCOPY --from=b --chown=1:1 [\"a\", \"b\"]\nHEALTHCHECK --interval=1s CMD [\"x\"]\nONBUILD ADD <<-'E' /x\n\tq\n\tE\nLABEL k=v\nEXPOSE ${P:-80}/tcp\nVOLUME /v\nUSER ${U:?no}\nWORKDIR /w/${A%%*}\nSTOPSIGNAL 9\nSHELL [\"sh\",\"-c\"]\nMAINTAINER m\nENTRYPOINT x\nCMD y\n",
            "# escape=`\nFROM a\nRUN dir `\n\n # c\n  x\nENV OLD v w\n",
        ];
        let alphabet: Vec<char> =
            "\\`$'\"{}[]<>-=#:%/?+*@, \t\n\rAaRFOMUN0123456789é\u{feff}\u{17f}\u{212a}"
                .chars()
                .collect();
        let mut state: u64 = 0x9e3779b97f4a7c15;
        let mut rnd = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1) as u64) as usize
        };
        let args = BuildArgs::default();
        for round in 0..3000 {
            let seed = seeds[round % seeds.len()];
            let mut chars: Vec<char> = seed.chars().collect();
            for _ in 0..(1 + rnd(8)) {
                let pos = rnd(chars.len() + 1);
                match rnd(3) {
                    0 => chars.insert(pos, alphabet[rnd(alphabet.len())]),
                    1 if pos < chars.len() => {
                        chars.remove(pos);
                    }
                    _ if pos < chars.len() => chars[pos] = alphabet[rnd(alphabet.len())],
                    _ => {}
                }
            }
            let src: String = chars.into_iter().collect();
            if let Ok(df) = parse("Dockerfile", &src) {
                let _ = dry_run_json(&df);
                if let Ok(stages) = split_stages(&df) {
                    for i in 0..stages.stages.len() {
                        let _ = expand_stage(&df, &stages, i, &args, &[]);
                    }
                }
            }
            let _ = expand_word(&src, '\\', &|n| (n.len() % 2 == 0).then(|| n.to_string()));
        }
    }
}
