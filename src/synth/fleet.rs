//! A fleet of Node.js-like services whose sharing is known by construction, for the
//! `overlap` tests and the fleet benchmark (`examples/gen_fleet.rs`).
//!
//! Service `i` has four layers:
//! 0. `ADD os-rootfs /`: the same OS layer in every image;
//! 1. `RUN install-node 20.<r>` with `r = i % 2`: two releases of one runtime, whose
//!    files are the same by path and size except the first `runtime_changed`;
//! 2. `RUN npm ci`: `common_dep_files` files every service installs identically,
//!    plus `own_dep_files` of its own (so each service's layer is distinct);
//! 3. `COPY . /app`: `app_files` files of its own.
//!
//! So: layer 0 is shared by all, each runtime release by the services that use it;
//! the near misses are the common dependencies (in every service's own layer 2) and
//! the runtime files the two releases agree on.

use super::{Entry, Image, Layer};

/// How large a fleet to write.
#[derive(Debug, Clone)]
pub struct FleetSpec {
    pub services: usize,
    pub os_files: usize,
    pub runtime_files: usize,
    /// Of the runtime's files, how many differ in size between the two releases.
    pub runtime_changed: usize,
    pub common_dep_files: usize,
    pub own_dep_files: usize,
    pub app_files: usize,
    /// The files' mean size; sizes vary over `mean/2 ..= 3*mean/2`.
    pub mean_file_size: u64,
}

impl FleetSpec {
    /// The size of the `k`-th file of a group: deterministic, spread around the mean.
    pub fn size(&self, k: usize) -> u64 {
        let m = self.mean_file_size.max(2);
        m / 2 + (k as u64).wrapping_mul(7919) % (m + 1)
    }

    /// Bytes of files `0..n` of a group.
    pub fn bytes(&self, n: usize) -> u64 {
        (0..n).map(|k| self.size(k)).sum()
    }

    /// The runtime release service `i` uses (0 or 1).
    pub fn release(i: usize) -> usize {
        i % 2
    }

    /// The runtime layer of release `r`: the changed files are one byte larger in
    /// release 1.
    fn runtime(&self, r: usize) -> Layer {
        let entries = (0..self.runtime_files)
            .map(|k| {
                let grow = u64::from(r == 1 && k < self.runtime_changed);
                Entry::file(
                    &format!("usr/local/lib/node/lib{}/f{k}.js", k / 100),
                    self.size(k) + grow,
                )
            })
            .collect();
        Layer::new(&format!("/bin/sh -c install-node 20.1{r}"), entries)
    }

    /// Service `i` as an image named `svc<i>:latest`.
    pub fn service(&self, i: usize) -> Image {
        let os = (0..self.os_files)
            .map(|k| Entry::file(&format!("usr/lib/os/part{}/f{k}.so", k / 100), self.size(k)))
            .collect();
        let mut deps: Vec<Entry> = (0..self.common_dep_files)
            .map(|k| {
                Entry::file(
                    &format!("app/node_modules/common{}/f{k}.js", k / 50),
                    self.size(k),
                )
            })
            .collect();
        deps.extend((0..self.own_dep_files).map(|k| {
            Entry::file(
                &format!("app/node_modules/svc{i}-dep{}/f{k}.js", k / 50),
                self.size(k),
            )
        }));
        let app = (0..self.app_files)
            .map(|k| Entry::file(&format!("app/src/svc{i}/f{k}.js"), self.size(k)))
            .collect();
        Image::new(
            &format!("svc{i}:latest"),
            vec![
                Layer::new("ADD os-rootfs /", os),
                self.runtime(Self::release(i)),
                Layer::new("/bin/sh -c npm ci", deps),
                Layer::new("/bin/sh -c #(nop) COPY dir:app in /app", app),
            ],
        )
    }
}
