//! What the store holds in memory: the jobs in queue order (with an index
//! by id), the preset table they name, the next job id and the sequence
//! number of the last change written. Replaying the journal applies its
//! changes here.

use std::collections::{BTreeMap, HashMap};

use super::disk_job::{self, Fields, RecordError};
use super::journal::Change;
use super::preset_table::{PresetKey, PresetTable};
use super::record::{JobRecord, StoreId};
use crate::presets::Preset;

#[derive(Debug)]
pub struct Contents {
    pub next_id: StoreId,
    /// The sequence number of the last change in this state.
    pub seq: u64,
    jobs: Vec<JobRecord>,
    /// Job id -> position in `jobs`.
    index: HashMap<StoreId, usize>,
    /// Job id -> the keys of its presets in `presets`.
    keys: HashMap<StoreId, Vec<PresetKey>>,
    pub presets: PresetTable,
}

impl Default for Contents {
    fn default() -> Contents {
        Contents {
            next_id: 1,
            seq: 0,
            jobs: Vec::new(),
            index: HashMap::new(),
            keys: HashMap::new(),
            presets: PresetTable::default(),
        }
    }
}

impl Contents {
    pub fn jobs(&self) -> &[JobRecord] {
        &self.jobs
    }

    pub fn get(&self, id: StoreId) -> Option<&JobRecord> {
        self.index.get(&id).map(|&i| &self.jobs[i])
    }

    pub fn get_mut(&mut self, id: StoreId) -> Option<&mut JobRecord> {
        self.index.get(&id).map(|&i| &mut self.jobs[i])
    }

    /// Appends a job to the queue; a job whose id is already there is
    /// ignored (a change applied twice).
    pub fn push(&mut self, record: JobRecord, keys: Vec<PresetKey>) {
        if self.index.contains_key(&record.id) {
            return;
        }
        // Saturating: an id read from a file may be the largest there is.
        self.next_id = self.next_id.max(record.id.saturating_add(1));
        self.index.insert(record.id, self.jobs.len());
        self.keys.insert(record.id, keys);
        self.jobs.push(record);
    }

    /// Forgets the jobs `ids`; returns whether one was there.
    pub fn remove(&mut self, ids: &[StoreId]) -> bool {
        let before = self.jobs.len();
        self.jobs.retain(|j| !ids.contains(&j.id));
        if self.jobs.len() == before {
            return false;
        }
        for id in ids {
            self.keys.remove(id);
        }
        self.reindex();
        true
    }

    /// Moves a job to `index` in the queue's order (clamped); returns
    /// whether the job is there.
    pub fn move_to(&mut self, id: StoreId, index: usize) -> bool {
        let Some(from) = self.index.get(&id).copied() else {
            return false;
        };
        let job = self.jobs.remove(from);
        let to = index.min(self.jobs.len());
        self.jobs.insert(to, job);
        self.reindex();
        true
    }

    fn reindex(&mut self) {
        self.index = self
            .jobs
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id, i))
            .collect();
    }

    /// Gives job `id` other presets (names as chosen, keys in the table).
    pub fn set_presets(
        &mut self,
        id: StoreId,
        names: Vec<String>,
        keys: Vec<PresetKey>,
        presets: Vec<Preset>,
    ) {
        if let Some(record) = self.get_mut(id) {
            record.preset_names = names;
            record.presets = presets;
            self.keys.insert(id, keys);
        }
    }

    /// Adds presets read with a change, keeping those already in the table.
    fn insert_presets(&mut self, presets: BTreeMap<PresetKey, Preset>) {
        for (key, preset) in presets {
            if self.presets.get(&key).is_none() {
                self.presets.insert(key, preset);
            }
        }
    }

    /// Keeps in the preset table only the presets a job names.
    pub fn drop_unused_presets(&mut self) {
        let used = self.keys.values().flatten();
        self.presets.retain_used(used);
    }

    /// Applies one change read from the journal; says why it does not fit
    /// when it does not (the state is then unchanged). A change about a job
    /// that is not there (removed later, or lost) changes nothing.
    pub fn apply(&mut self, change: Change) -> Result<(), RecordError> {
        match change {
            Change::Add { job, presets } => {
                self.insert_presets(presets);
                let (record, keys) = disk_job::from_disk(job, &self.presets)?;
                self.push(record, keys);
            }
            Change::Set { id, fields } => {
                if let Some(record) = self.get_mut(id) {
                    disk_job::merge(record, &fields)?;
                }
            }
            Change::Move { id, index } => {
                self.move_to(id, index);
            }
            Change::Presets {
                id,
                names,
                keys,
                presets,
            } => {
                self.insert_presets(presets);
                let found = keys
                    .iter()
                    .map(|k| {
                        let preset = self.presets.get(k);
                        let preset = preset.ok_or_else(|| RecordError::UnknownPreset(k.clone()))?;
                        disk_job::valid_preset(k, preset)?;
                        Ok(preset.clone())
                    })
                    .collect::<Result<Vec<_>, RecordError>>()?;
                self.set_presets(id, names, keys, found);
            }
            Change::Remove { ids } => {
                self.remove(&ids);
            }
        }
        Ok(())
    }
}

impl Contents {
    /// Every job in its disk form, in queue order.
    pub fn disk_jobs(&mut self) -> Vec<Fields> {
        let keys = &self.keys;
        self.jobs
            .iter_mut()
            .map(|j| {
                let k = keys.get(&j.id).map(Vec::as_slice).unwrap_or_default();
                disk_job::to_disk(j, k)
            })
            .collect()
    }
}
