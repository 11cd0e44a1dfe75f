//! A counting gate with a limit that can change while workers wait: how many
//! jobs transcode at once.

use std::sync::{Arc, Condvar, Mutex};

pub struct Gate {
    state: Mutex<(usize, usize)>, // (in use, limit)
    changed: Condvar,
}

pub struct Permit {
    gate: Arc<Gate>,
}

impl Gate {
    pub fn new(limit: usize) -> Gate {
        Gate {
            state: Mutex::new((0, limit.max(1))),
            changed: Condvar::new(),
        }
    }

    pub fn set_limit(&self, limit: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1 = limit.max(1);
        self.changed.notify_all();
    }

    /// Waits for a free place.
    pub fn acquire(self: &Arc<Self>) -> Permit {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.0 >= state.1 {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.0 += 1;
        Permit {
            gate: Arc::clone(self),
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut state = self.gate.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 -= 1;
        self.gate.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn raising_the_limit_lets_a_waiting_worker_in() {
        let gate = Arc::new(Gate::new(1));
        let first = gate.acquire();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let waiting = Arc::clone(&gate);
        let t = std::thread::spawn(move || {
            let _p = waiting.acquire();
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(100)).is_err(),
            "limit 1 must hold"
        );
        gate.set_limit(2);
        assert!(rx.recv_timeout(Duration::from_secs(5)).is_ok());
        t.join().unwrap();
        drop(first);
    }
}
