//! Every renderer given hostile names: the input's lines become file names (any
//! bytes) in one layer of an image, which is loaded and rendered in every format
//! every command writes. `imgsize::fuzzing::render_all` checks that the HTML page
//! keeps its own scripts only, that GitHub workflow commands are one per failed
//! rule, and that TSV rows keep their four fields.
#![no_main]
use libfuzzer_sys::fuzz_target;

fn append(b: &mut tar::Builder<Vec<u8>>, name: &[u8], data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    // Raw bytes, long ones through a GNU long-name entry, as a crafted layer holds.
    let _ = b.append_data(&mut h, std::str::from_utf8(name).unwrap_or("x"), data);
    let mut raw = tar::Header::new_old();
    raw.set_size(data.len() as u64);
    let field = &mut raw.as_old_mut().name;
    let n = name.len().min(field.len());
    field[..n].copy_from_slice(&name[..n]);
    raw.set_cksum();
    let _ = b.append(&raw, data);
}

fuzz_target!(|data: &[u8]| {
    let mut layer = tar::Builder::new(Vec::new());
    for (i, name) in data.split(|&b| b == b'\n').take(64).enumerate() {
        let mut path = b"app/".to_vec();
        path.extend_from_slice(name);
        append(&mut layer, &path, &vec![b'x'; 100 + i]);
    }
    let layer = match layer.into_inner() {
        Ok(l) => l,
        Err(_) => return,
    };
    let instruction = String::from_utf8_lossy(data.split(|&b| b == b'\n').next().unwrap_or(b""));
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": ["sha256:0000000000000000000000000000000000000000000000000000000000000000"]},
        "history": [{"created_by": instruction}],
    });
    let manifest = serde_json::json!([{
        "Config": "config.json",
        "RepoTags": [format!("fuzz:{}", instruction.chars().take(20).collect::<String>())],
        "Layers": ["l/layer.tar"],
    }]);
    let mut image = tar::Builder::new(Vec::new());
    for (name, body) in [
        ("config.json", serde_json::to_vec(&config).unwrap_or_default()),
        ("l/layer.tar", layer),
        ("manifest.json", serde_json::to_vec(&manifest).unwrap_or_default()),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        let _ = image.append_data(&mut h, name, &body[..]);
    }
    let Ok(image) = image.into_inner() else { return };
    let opts = imgsize::LoadOptions::default();
    if let Ok(a) = imgsize::load_stream(&image[..], "fuzz", &opts) {
        imgsize::fuzzing::render_all(&a);
    }
});
