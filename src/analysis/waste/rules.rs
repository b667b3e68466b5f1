//! The path-based waste categories, as data: a name, globs over the path (relative
//! to `/`), and the fix. A new category is one entry in [`RULES`] and one test.

/// A path-based waste category.
pub(crate) struct Rule {
    pub category: &'static str,
    pub globs: &'static [&'static str],
    pub fix: &'static str,
}

/// The categories matched by path. A new category is one entry here and one test.
pub(crate) const RULES: &[Rule] = &[
    Rule {
        category: "npm-cache",
        globs: &["**/.npm/_cacache/**", "**/.npm/_logs/**", "**/.npm/_npx/**"],
        fix: "Run `npm ci` with `--mount=type=cache,target=/root/.npm` (BuildKit), or `npm cache clean --force` in the same RUN.",
    },
    Rule {
        category: "yarn-cache",
        globs: &["usr/local/share/.cache/yarn/**", "**/.cache/yarn/**", "**/.yarn/berry/cache/**", "**/.yarn/cache/**"],
        fix: "Run `yarn cache clean` in the same RUN as the install, or use a BuildKit cache mount (keep `.yarn/cache` only for Plug'n'Play zero-installs).",
    },
    Rule {
        category: "pnpm-store",
        globs: &["**/.local/share/pnpm/store/**", "**/.pnpm-store/**"],
        fix: "Keep the pnpm store out of the image: a BuildKit cache mount for the store, or `pnpm store prune` in the same RUN.",
    },
    Rule {
        category: "typescript",
        globs: &["**/node_modules/typescript/**", "**/tsconfig*.json", "**/*.tsbuildinfo", "**/*.ts", "**/*.mts", "**/*.cts"],
        fix: "Compile in a build stage and copy only the emitted JavaScript into the runtime stage (multi-stage build).",
    },
    Rule {
        category: "source-maps",
        globs: &["**/*.map"],
        fix: "Build without source maps for the runtime image, or delete `*.map` in the build stage before copying.",
    },
    Rule {
        category: "apt-lists",
        globs: &["var/lib/apt/lists/**"],
        fix: "End the `apt-get install` RUN with `&& rm -rf /var/lib/apt/lists/*`.",
    },
    Rule {
        category: "apt-cache",
        globs: &["var/cache/apt/**"],
        fix: "Use `apt-get install --no-install-recommends` and `apt-get clean` in the same RUN.",
    },
    Rule {
        category: "apk-cache",
        globs: &["var/cache/apk/**"],
        fix: "Use `apk add --no-cache`.",
    },
    Rule {
        category: "dnf-cache",
        globs: &["var/cache/dnf/**", "var/cache/yum/**"],
        fix: "Run `dnf clean all` (or `yum clean all`) in the same RUN as the install.",
    },
    Rule {
        category: "pip-cache",
        globs: &["**/.cache/pip/**"],
        fix: "Use `pip install --no-cache-dir`, or a BuildKit cache mount.",
    },
    Rule {
        category: "python-bytecode",
        globs: &["**/__pycache__/**", "**/*.pyc", "**/*.pyo"],
        fix: "Set `PYTHONDONTWRITEBYTECODE=1` during the build, or remove `__pycache__` in the same RUN.",
    },
    Rule {
        category: "go-build-cache",
        globs: &["**/.cache/go-build/**", "go/pkg/mod/**", "root/go/pkg/mod/**"],
        fix: "Build Go in a build stage (with a cache mount) and copy only the binary.",
    },
    Rule {
        category: "go-toolchain",
        globs: &["usr/local/go/**"],
        fix: "Build in a `golang` stage and copy only the binary into a small runtime image.",
    },
    Rule {
        category: "vcs",
        globs: &["**/.git/**", "**/.svn/**", "**/.hg/**"],
        fix: "Add `.git` to `.dockerignore`.",
    },
    Rule {
        category: "tests",
        globs: &["**/test/**", "**/tests/**", "**/__tests__/**", "**/*.test.*", "**/*.spec.*"],
        fix: "Leave tests out of the runtime image (`.dockerignore`, or copy only what runs).",
    },
    Rule {
        category: "docs",
        globs: &["usr/share/doc/**", "usr/share/man/**", "usr/share/info/**"],
        fix: "Delete `/usr/share/doc`, `man` and `info` in the same RUN as the install, or use a slim base image.",
    },
    Rule {
        category: "secrets-risk",
        globs: &[
            "**/.env", "**/.env.*", "**/.npmrc", "**/.yarnrc", "**/.yarnrc.yml", "**/.pypirc", "**/.netrc",
            "**/.git-credentials", "**/id_rsa", "**/id_dsa", "**/id_ecdsa", "**/id_ed25519",
            "**/.aws/credentials", "**/.docker/config.json",
        ],
        fix: "Keep credentials out of the image: `.dockerignore` them, and pass secrets with `RUN --mount=type=secret`. Rotate anything already pushed.",
    },
];

/// The dev-dependencies finding's fix.
pub(super) const DEV_FIX: &str =
    "Install with `npm ci --omit=dev` in the runtime stage, or `npm prune --omit=dev` before copying node_modules.";
/// The layer-churn findings' fix.
pub(super) const CHURN_FIX: &str =
    "Delete files in the same RUN that creates them, and order COPY after installs so later layers do not overwrite earlier ones.";

/// `@types/*` and the compiler's own `lib.*.d.ts` are part of TypeScript's
/// footprint even though other `.d.ts` files are not.
pub(super) fn is_package_typing(path: &str) -> bool {
    // The compiler package counts whole, its `lib.*.d.ts` included.
    if path.starts_with("node_modules/typescript/") || path.contains("/node_modules/typescript/") {
        return false;
    }
    let is_ts_source = path.ends_with(".ts") || path.ends_with(".mts") || path.ends_with(".cts");
    let declaration =
        path.ends_with(".d.ts") || path.ends_with(".d.mts") || path.ends_with(".d.cts");
    let in_modules = path.starts_with("node_modules/") || path.contains("/node_modules/");
    // Declarations ship with packages and are not the project's sources; other
    // packages' `.ts` files are theirs too.
    is_ts_source && (declaration || in_modules)
}
