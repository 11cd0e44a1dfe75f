//! The transcode stage's first step for renditions with a `target_ssim`
//! (issue 24): their CRF, found by sample encodes
//! (`media::search_targets`) or taken from the cache of earlier searches
//! (`target_cache`), replaces the starting one in their targets, and a
//! `quality_planned` event reports it with the size and time it predicts
//! before the encode starts. The same step runs wherever the transcode
//! stage runs: `vidprism process`, the window, a farm worker.

use std::sync::atomic::AtomicBool;

use super::event::{EventKind, QualityPlanned};
use super::job::{Job, Prepared};
use super::target_cache::{self, Found, TargetCache};
use crate::error::{Error, Result};
use crate::media::{self, RenditionTarget};
use crate::presets::AudioSpec;

/// Sets the CRF of every target with a `target_ssim`, reporting each, and
/// returns, per target, the SSIM a CRF step was seen to cost near it (for
/// `quality_retry`). Only a cancel is an error: a search that fails leaves
/// its target at its starting CRF (the encode then says what is wrong),
/// with a warning.
pub fn plan_targets(
    job: &Job,
    prepared: &Prepared,
    targets: &mut [RenditionTarget],
    cancel: &AtomicBool,
) -> Result<Vec<Option<f64>>> {
    let mut slopes = vec![None; targets.len()];
    let aimed: Vec<usize> = (0..targets.len())
        .filter(|&i| targets[i].spec.goal.target_ssim.is_some())
        .collect();
    if aimed.is_empty() {
        return Ok(slopes);
    }
    let input = &job.request().input;
    let cache = TargetCache::in_data_dir();
    let keys: Vec<Option<String>> = aimed
        .iter()
        .map(|&i| target_cache::key(input, &targets[i], &prepared.picture))
        .collect();
    let mut found: Vec<Option<(Found, u32)>> = keys
        .iter()
        .map(|k| k.as_deref().and_then(|k| cache.get(k)).map(|f| (f, 0)))
        .collect();
    let missing: Vec<usize> = (0..aimed.len()).filter(|&k| found[k].is_none()).collect();
    if !missing.is_empty() {
        let searched: Vec<RenditionTarget> =
            missing.iter().map(|&k| targets[aimed[k]].clone()).collect();
        let results = media::search_targets(
            input,
            &searched,
            &prepared.picture,
            prepared.info.duration_s,
            cancel,
            &|| job.touch_progress(),
        );
        let results = match results {
            Ok(results) => results,
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => {
                tracing::warn!(job = job.id(), error = %e, "no target-quality search: {e}");
                return Ok(slopes);
            }
        };
        for (&k, result) in missing.iter().zip(results) {
            match result {
                Ok(search) => {
                    let fraction = media::takes_fractional_crf(targets[aimed[k]].spec.video);
                    let f = per_second(&search, fraction);
                    if let Some(key) = &keys[k] {
                        cache.put(key, f);
                    }
                    found[k] = Some((f, search.found.probes));
                }
                Err(e) => tracing::warn!(
                    job = job.id(),
                    rendition = %targets[aimed[k]].spec.name,
                    error = %e,
                    "target-quality search failed: {e}"
                ),
            }
        }
    }
    let labels = labels(prepared);
    for (k, &i) in aimed.iter().enumerate() {
        let Some((f, probes)) = found[k] else {
            continue;
        };
        slopes[i] = Some(f.ssim_per_step);
        let target = &mut targets[i];
        target.spec.quality = target.spec.quality.with_crf(f.crf);
        target.fine_crf = f.fine_crf;
        let duration = prepared.info.duration_s.unwrap_or(0.0).max(0.0);
        let audio_bytes = match target.spec.audio {
            AudioSpec::Encode { bitrate_kbps, .. } => f64::from(bitrate_kbps) * 125.0,
            AudioSpec::None | AudioSpec::Copy => 0.0,
        };
        let planned = QualityPlanned {
            rendition: labels.get(i).cloned().unwrap_or_default(),
            target_ssim: target.spec.goal.target_ssim.unwrap_or_default(),
            crf: f.crf,
            encoder_crf: f.fine_crf,
            predicted_ssim: f.predicted_ssim,
            predicted_bytes: ((f.bytes_per_s + audio_bytes) * duration).round() as u64,
            predicted_seconds: f.seconds_per_s * duration,
            probes,
            cached: probes == 0,
        };
        tracing::info!(job = job.id(), ?planned, "target quality planned");
        job.emit(EventKind::QualityPlanned(planned));
    }
    Ok(slopes)
}

/// The search's rates, per second of source: at its fractional CRF when
/// the encoder takes one (`fraction`) and it is not a whole one.
fn per_second(search: &media::SampleSearch, fraction: bool) -> Found {
    let seconds = search.sample_seconds.max(1e-3);
    let found = &search.found;
    let fine = Some(found.fine).filter(|f| fraction && f.crf != f64::from(found.crf));
    let (ssim, bytes) = match fine {
        Some(f) => (f.ssim, f.bytes),
        None => (found.probe.ssim, found.probe.bytes as f64),
    };
    Found {
        crf: found.crf,
        predicted_ssim: ssim,
        bytes_per_s: bytes / seconds,
        seconds_per_s: found.probe.seconds / seconds,
        ssim_per_step: found.ssim_per_step,
        fine_crf: fine.map(|f| f.crf),
    }
}

/// The label of each planned rendition, in target order.
fn labels(prepared: &Prepared) -> Vec<String> {
    prepared
        .plan
        .renditions
        .iter()
        .map(|r| r.label.clone())
        .collect()
}
