-- Runs name the process that runs them, so that a run left "running" by a process that was
-- killed (kill -9, out of memory, a reboot) can be told from a live one and stored failed
-- the next time a run starts or runs are listed (pipeline.store.abandon_dead_runs).
-- `akhbar run` records its host, PID and process key and stamps heartbeat_at every minute;
-- an Airflow run, spread over tasks on several workers, records none and is never judged.
ALTER TABLE public.runs
    ADD COLUMN IF NOT EXISTS host text,
    ADD COLUMN IF NOT EXISTS pid integer,
    ADD COLUMN IF NOT EXISTS process_key text,
    ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz;

-- Found by every run start and listing: the running few, not the whole history.
CREATE INDEX IF NOT EXISTS runs_running_idx ON public.runs (id) WHERE status = 'running';

COMMENT ON COLUMN public.runs.host IS
    'Host name of the process running the whole night (akhbar run); NULL for an Airflow run.';
COMMENT ON COLUMN public.runs.pid IS 'PID of that process on its host; NULL for an Airflow run.';
COMMENT ON COLUMN public.runs.process_key IS
    'Boot id, PID namespace and start time of that process (Linux), so a reused PID is not taken for it.';
COMMENT ON COLUMN public.runs.heartbeat_at IS
    'Last time that process stamped the run (every minute while it runs); NULL for an Airflow run.';
COMMENT ON COLUMN public.runs.status IS
    'running, success or failed (also a run abandoned by a process that is gone: see summary.error).';

-- akhbar.runs keeps its columns (sql/090 re-applies as it is); its status says it too.
COMMENT ON COLUMN akhbar.runs.status IS
    'running, success or failed (a run whose process was killed is stored failed, "abandoned: ..." in summary.error).';
