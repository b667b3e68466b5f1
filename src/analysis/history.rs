//! From the config's history to one readable instruction per layer.

use crate::source::History;

/// The history entry of each layer, or `None` for all of them when the history does
/// not fit the layers (missing, squashed, `--omit-history`): a guessed pairing would
/// put bytes on the wrong Dockerfile line.
pub(crate) fn per_layer(history: &[History], layers: usize) -> Vec<Option<History>> {
    let with_layer: Vec<&History> = history
        .iter()
        .filter(|h| h.empty_layer != Some(true))
        .collect();
    if with_layer.len() != layers {
        return vec![None; layers];
    }
    with_layer.into_iter().map(|h| Some(h.clone())).collect()
}

/// Each layer's instruction, or `unknown` where the history does not say.
pub(crate) fn instructions(hist: &[Option<History>]) -> Vec<String> {
    hist.iter()
        .map(|h| {
            h.as_ref()
                .and_then(|h| h.created_by.as_deref())
                .map(instruction)
                .unwrap_or_else(|| "unknown".to_string())
        })
        .collect()
}

/// A Dockerfile-like instruction from `created_by`, as the legacy builder, BuildKit
/// and buildah write it:
/// `/bin/sh -c #(nop)  COPY dir:… in /app` -> `COPY dir:… in /app`,
/// `/bin/sh -c npm install` -> `RUN npm install`,
/// `RUN /bin/sh -c npm ci # buildkit` -> `RUN npm ci`,
/// `|2 A=1 B=2 /bin/sh -c make` -> `RUN make`.
pub fn instruction(created_by: &str) -> String {
    shorten_hashes(&crate::text::one_line(
        &raw_instruction(created_by),
        usize::MAX,
    ))
}

/// `COPY dir:<64 hex> in /app` -> `COPY dir:0a211df93eda… in /app`: the content hash
/// the legacy builder and buildah write says nothing to a reader.
fn shorten_hashes(s: &str) -> String {
    s.split(' ')
        .map(|word| match word.split_once(':') {
            Some((kind, hex))
                if matches!(kind, "file" | "dir" | "multi")
                    && hex.len() >= 32
                    && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                format!("{kind}:{}…", &hex[..12])
            }
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn raw_instruction(created_by: &str) -> String {
    let mut s = created_by.trim();
    if let Some(rest) = s.strip_suffix("# buildkit") {
        s = rest.trim_end();
    }
    let mut run_prefix = false;
    if let Some(rest) = s.strip_prefix("RUN ") {
        s = rest.trim_start();
        run_prefix = true;
    }
    s = strip_build_args(s);
    if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        return rest.trim().to_string();
    }
    for shell in [
        "/bin/sh -c ",
        "/bin/bash -c ",
        "/bin/sh -o pipefail -c ",
        "/bin/bash -o pipefail -c ",
    ] {
        if let Some(rest) = s.strip_prefix(shell) {
            return format!("RUN {}", rest.trim());
        }
    }
    if run_prefix {
        return format!("RUN {s}");
    }
    s.to_string()
}

/// Strips the legacy builder's `|N k=v …` build-argument prefix.
fn strip_build_args(s: &str) -> &str {
    let Some(rest) = s.strip_prefix('|') else {
        return s;
    };
    let Some((count, mut rest)) = rest.split_once(' ') else {
        return s;
    };
    let Ok(n) = count.parse::<usize>() else {
        return s;
    };
    for _ in 0..n {
        match rest.trim_start().split_once(' ') {
            Some((_, r)) => rest = r,
            None => return s,
        }
    }
    rest.trim_start()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(created_by: &str, empty: bool) -> History {
        History {
            created_by: Some(created_by.into()),
            empty_layer: Some(empty),
            ..Default::default()
        }
    }

    #[test]
    fn instructions_from_each_builder() {
        assert_eq!(
            instruction("/bin/sh -c #(nop)  COPY dir:abc in /app "),
            "COPY dir:abc in /app"
        );
        assert_eq!(
            instruction("/bin/sh -c #(nop)  CMD [\"node\"]"),
            "CMD [\"node\"]"
        );
        assert_eq!(instruction("/bin/sh -c npm install"), "RUN npm install");
        assert_eq!(
            instruction("RUN /bin/sh -c npm ci # buildkit"),
            "RUN npm ci"
        );
        assert_eq!(instruction("COPY . . # buildkit"), "COPY . .");
        assert_eq!(instruction("|2 A=1 B=2 /bin/sh -c make"), "RUN make");
        assert_eq!(
            instruction("RUN |1 NODE_ENV=production /bin/sh -c npm ci # buildkit"),
            "RUN npm ci"
        );
        assert_eq!(instruction("WORKDIR /app"), "WORKDIR /app");
        let hash = "0a211df93edad3a0c14232baa9ab127b73fa0e3b98ee30443b847254a46a1f61";
        assert_eq!(
            instruction(&format!("/bin/sh -c #(nop) COPY dir:{hash} in /app/src/ ")),
            "COPY dir:0a211df93eda… in /app/src/"
        );
        assert_eq!(instruction("/bin/sh -c a  &&\n   b"), "RUN a && b");
    }

    #[test]
    fn empty_layers_are_skipped_and_mismatches_give_unknown() {
        let hist = vec![
            h("ADD file:x in /", false),
            h("CMD [\"sh\"]", true),
            h("/bin/sh -c echo", false),
        ];
        let per = per_layer(&hist, 2);
        assert_eq!(
            per[1].as_ref().unwrap().created_by.as_deref(),
            Some("/bin/sh -c echo")
        );
        assert!(per_layer(&hist, 3).iter().all(Option::is_none));
        assert!(per_layer(&[], 1).iter().all(Option::is_none));
    }
}
