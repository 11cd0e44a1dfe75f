//! HDR test clips as phones record them: 10-bit HEVC made by x265, BT.2020,
//! the HDR transfer tagged in the container and the bitstream, and (when
//! asked) HDR10 mastering display and light levels. One maker for the
//! colour and HDR tests, so their sources are made the same way.

use std::path::PathBuf;

use super::{ffmpeg, lavfi, Fixture};

/// The mastering display the clips announce: BT.2020 primaries, D65,
/// 1000 to 0.0001 cd/m².
pub const MASTER_DISPLAY: &str =
    "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)";

/// The x265 parameters of HDR10 metadata for `transfer`: the colour
/// description, [`MASTER_DISPLAY`], MaxCLL 1000 and MaxFALL 400.
pub fn mastering(transfer: &str) -> String {
    format!(
        "hdr10=1:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc:\
         master-display={MASTER_DISPLAY}:max-cll=1000,400"
    )
}

/// A 10-bit HEVC clip `name` of the lavfi graph `source`, tagged BT.2020
/// with `transfer` ("smpte2084" or "arib-std-b67"); `x265` adds x265
/// parameters (say [`mastering`]), `extra` output options (`-crf 4`,
/// `-tag:v hvc1`).
pub fn hevc_10bit_clip(
    fx: &Fixture,
    name: &str,
    source: &str,
    transfer: &str,
    x265: &str,
    extra: &[&str],
) -> PathBuf {
    let path = fx.path(name);
    let out = path.to_string_lossy().into_owned();
    let params = match x265 {
        "" => "log-level=error".to_owned(),
        more => format!("log-level=error:{more}"),
    };
    let encode = [
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p10le",
    ];
    let tags = [
        "-x265-params",
        &params,
        "-color_primaries",
        "bt2020",
        "-color_trc",
        transfer,
        "-colorspace",
        "bt2020nc",
    ];
    ffmpeg(&[&lavfi(&[source])[..], &encode, extra, &tags, &[&out]].concat());
    path
}
