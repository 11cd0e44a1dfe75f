//! Where outputs go and how they get there: safe names, a fresh folder per
//! source that never reuses an existing one, and files that only appear at
//! their final name once complete.

mod bundle_names;
mod folder;
mod staged_file;

pub use crate::names::sanitize_name;
pub use bundle_names::{
    job_thumbnail_spec, storyboard_sprite_name, thumbnail_file_name, DASH_MANIFEST,
    HLS_MASTER_PLAYLIST, PLAYER_PAGE, POSTER_FILE, STORYBOARD_VTT,
};
pub use folder::{default_output_dir, job_dir_from, reserve_job_dir};
pub use staged_file::{open_no_follow, remove_temp_files_in, StagedFile, TEMP_MARKER};
