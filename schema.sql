-- foliotrace database schema: the single source of truth.
--
-- This file is compiled into the foliotrace binary at build time (see the
-- Makefile rule for build/schema_sql.c) and applied to every new database.
-- docs/schema.md is generated from it.  Conventions:
--   * every table is STRICT;
--   * times are nanoseconds of the trace clock named in traces.clock;
--   * dev is the kernel dev_t encoding: major = dev >> 20, minor = dev & 0xfffff;
--   * offset/length are bytes; findex is a page-cache index in pages;
--   * ext_off/ext_len/ext_block are XFS file-system-block units, as traced;
--   * NULL means "the event does not carry this value", never 0.
-- The schema version is PRAGMA user_version; the application is marked by
-- PRAGMA application_id and the meta row ('application', 'foliotrace').
-- Bump FT_SCHEMA_VERSION in core/store.h and add a migration when this changes.

-- Key/value facts about the database and its traces:
--   'application'              'foliotrace' (with PRAGMA application_id)
--   'trace:<id>:kallsyms'      entries of the trace's kallsyms (0: it has
--                              none), from trace.dat or /proc/kallsyms
--   'trace:<id>:ksyms'         which names of core/kfingerprint.h they list,
--                              space-separated (the code variant's evidence)
--   'trace:<id>:undescribed'   records of event types the trace does not
--                              describe, skipped by the import (absent: 0)
--   'trace:<id>:overlong'      corrupt records longer than their ring-buffer
--                              page, skipped by the import (absent: 0)
--   'trace:<id>:ts_backwards'  events whose timestamp is earlier than an
--                              event before them (absent: 0)
--   'analysis:<id>:variant'    the code variant analyze used
--   'analysis:<id>:notes'      its notes, one a line (analyze writes more
--                              'analysis:<id>:*' rows; a rerun replaces them)
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value ANY
) STRICT;

-- One row per imported or recorded trace.  A trace whose complete = 0 is
-- unfinished (interrupted import or record) and must not be analysed.
CREATE TABLE traces (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,      -- trace.dat path, or 'live:<instance>'
    source_size    INTEGER,            -- bytes of the source file
    file_version   INTEGER,            -- trace.dat file version (6, 7)
    compression    TEXT,               -- e.g. 'zstd', NULL if none
    uname          TEXT,               -- full uname string saved in the trace
    host           TEXT,
    kernel_release TEXT,
    clock          TEXT,               -- trace clock: local, mono, global, ...
    cpus           INTEGER,
    page_size      INTEGER,
    block_size     INTEGER,            -- file-system block size when known
    first_ts       INTEGER,
    last_ts        INTEGER,
    n_events       INTEGER NOT NULL DEFAULT 0,
    lost_events    INTEGER NOT NULL DEFAULT 0,  -- sum of counted losses
    lost_unknown   INTEGER NOT NULL DEFAULT 0,  -- gaps of unknown size
    complete       INTEGER NOT NULL DEFAULT 0,
    tool           TEXT NOT NULL,      -- 'foliotrace import 0.1', ...
    created_at     TEXT NOT NULL
) STRICT;

-- Ring buffers in a trace: '' is the top-level buffer, others are instances.
CREATE TABLE buffers (
    id       INTEGER PRIMARY KEY,
    trace_id INTEGER NOT NULL REFERENCES traces(id),
    name     TEXT NOT NULL,
    cpus     INTEGER,
    clock    TEXT,                -- this buffer's trace clock
    UNIQUE (trace_id, name)
) STRICT;

-- Lost events.  kind 'missed': a gap reported by the ring buffer before the
-- event at ts_after on that cpu (count -1 when the size is unknown); the gap
-- lies between ts_before (previous event on that cpu, NULL if none) and
-- ts_after.  kind 'overrun', 'commit_overrun', 'dropped': per-cpu totals
-- from the ring buffer statistics (no time range: ts_* are NULL).
CREATE TABLE lost (
    id        INTEGER PRIMARY KEY,
    trace_id  INTEGER NOT NULL REFERENCES traces(id),
    buffer_id INTEGER NOT NULL REFERENCES buffers(id),
    cpu       INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    count     INTEGER NOT NULL,
    ts_before INTEGER,
    ts_after  INTEGER
) STRICT;

-- bdi name ("major:minor" of the disk) to file-system dev_t, as recorded.
CREATE TABLE bdi_map (
    trace_id INTEGER NOT NULL REFERENCES traces(id),
    bdi      TEXT NOT NULL,
    dev      INTEGER NOT NULL,
    PRIMARY KEY (trace_id, bdi, dev)
) STRICT;

CREATE TABLE tasks (
    trace_id INTEGER NOT NULL REFERENCES traces(id),
    pid      INTEGER NOT NULL,
    tgid     INTEGER,
    comm     TEXT,
    PRIMARY KEY (trace_id, pid)
) STRICT;

-- Normalized event kinds: what an event means for the analyzer, whatever
-- its name on a given kernel.  Rows come from core/kinds.c; the test suite
-- checks that they agree.
CREATE TABLE kinds (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL
) STRICT;

-- Event types present in a trace, with their format as read from the trace.
CREATE TABLE event_types (
    id        INTEGER PRIMARY KEY,
    trace_id  INTEGER NOT NULL REFERENCES traces(id),
    format_id INTEGER NOT NULL,   -- the kernel's event id in that trace
    system    TEXT NOT NULL,
    name      TEXT NOT NULL,
    kind      INTEGER NOT NULL REFERENCES kinds(id),
    n_events  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (trace_id, format_id)
) STRICT;

-- The layout of every field of an event type (common fields included), so
-- that events.payload can be decoded without the trace file: nothing the
-- kernel recorded is dropped.  flags: 1 signed, 2 array, 4 string,
-- 8 dynamic (__data_loc), 16 pointer, 32 long, 64 relative dynamic.
CREATE TABLE event_fields (
    type_id   INTEGER NOT NULL REFERENCES event_types(id),
    seq       INTEGER NOT NULL,
    name      TEXT NOT NULL,
    ctype     TEXT NOT NULL,
    offset    INTEGER NOT NULL,
    size      INTEGER NOT NULL,
    elem_size INTEGER NOT NULL,
    flags     INTEGER NOT NULL,
    PRIMARY KEY (type_id, seq)
) STRICT;

-- Kernel symbols that caller/caller_ip fields resolved to.
CREATE TABLE symbols (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

-- Every event is stored once, in blocks of consecutive events (below);
-- events is a virtual table over them (module foliotrace_events, in
-- core/evtab.c; the sqlite3 CLI reads it after loading the extension
-- foliotrace_sqlite, see README.md).  Its columns, in trace order (id
-- increases with ts; ties keep file order):
--   id             INTEGER  the event's id (rowid)
--   trace_id       INTEGER  traces.id
--   ts, cpu, pid, type_id, kind   INTEGER NOT NULL
--   payload        BLOB     the raw record as the kernel wrote it (layout in
--                           event_fields), NULL if empty
-- and the normalized values, NULL where not applicable:
--   dev, ino       inode identity (dev_t encoding; writeback: from the bdi)
--   offset, length byte range in the file
--   findex, forder page-cache index (pages) and folio order
--   lock_class     bitmask 1 IOLOCK, 2 ILOCK, 4 MMAPLOCK (invalidate_lock),
--                  8 other kernel lock (lock:contention_*)
--   lock_mode      bitmask 1 exclusive, 2 shared
--   flags          event flags: XFS lock_flags & 0x3f; iomap_iter flags;
--                  (iomap type << 16) | iomap flags for mappings, stale
--                  checks and ioends; whichfork for xfs_iomap_*/map_blocks;
--                  write_fault; bmap_state; contention flags; prev_state
--   caller_id/off  resolved caller_ip/caller: symbols.id and offset
--   ext_off/len    extent start (file block) and length (blocks)
--   ext_block      extent startblock as traced (delalloc/hole encodings kept)
--   addr           lock address (lock:*), pfn (filemap)
--   peer_pid       the other task (sched_wakeup: wakee; sched_switch: next)
-- in this order: id, trace_id, ts, cpu, pid, type_id, kind, dev, ino,
-- offset, length, findex, forder, lock_class, lock_mode, flags, caller_id,
-- caller_off, ext_off, ext_len, ext_block, addr, peer_pid, payload.
-- A constraint on id, ts, pid, ino or (ino, findex) reads only the blocks
-- that can hold matching events (event_blocks ranges, event_keys).
CREATE VIRTUAL TABLE events USING foliotrace_events;

-- The events, in runs of up to 1024 consecutive ones.  data holds the
-- normalized columns packed (format: core/evpack.h; since schema 4 in runs
-- of 128 events, each decodable on its own, so that reaching an event
-- decodes at most 128; blocks of schema 3 are one run); payloads is one zstd
-- frame of, per event in id order, its payload length (LEB128) and bytes.
-- The blocks of a trace cover its events without gaps and are written in
-- the transaction that commits their events; they never change afterwards.
CREATE TABLE event_blocks (
    first_id  INTEGER PRIMARY KEY,  -- id of the block's first event
    trace_id  INTEGER NOT NULL REFERENCES traces(id),
    n_events  INTEGER NOT NULL,     -- ids first_id .. first_id + n_events - 1
    min_ts    INTEGER NOT NULL,     -- smallest ts in the block
    max_ts    INTEGER NOT NULL,     -- largest ts in the block
    data      BLOB NOT NULL,
    payloads  BLOB NOT NULL
) STRICT;

-- Which blocks hold events of a key, and how many: key_kind 1 a pid (k1),
-- 2 an inode (k1 = ino), 3 a folio (k1 = ino, k2 = findex).  Written in the
-- transaction of the block.
CREATE TABLE event_keys (
    key_kind INTEGER NOT NULL,
    k1       INTEGER NOT NULL,
    k2       INTEGER NOT NULL,
    first_id INTEGER NOT NULL,      -- event_blocks.first_id
    n        INTEGER NOT NULL,
    PRIMARY KEY (key_kind, k1, k2, first_id)
) STRICT, WITHOUT ROWID;

-- A readable view over events.
CREATE VIEW events_v AS
SELECT e.id, e.ts, e.cpu, e.pid, t.comm, et.system, et.name AS event,
       k.name AS kind, e.dev, e.dev >> 20 AS major, e.dev & 1048575 AS minor,
       e.ino, e.offset, e.length, e.findex, e.forder, e.lock_class,
       e.lock_mode, e.flags, s.name AS caller, e.caller_off, e.ext_off,
       e.ext_len, e.ext_block, e.addr, e.peer_pid, e.type_id, e.payload
FROM events e
JOIN event_types et ON et.id = e.type_id
JOIN kinds k ON k.id = e.kind
LEFT JOIN tasks t ON t.trace_id = e.trace_id AND t.pid = e.pid
LEFT JOIN symbols s ON s.id = e.caller_id;

-- ---------------------------------------------------------------------------
-- Filled by `foliotrace analyze`.

-- One row per folio lifetime: a page-cache insertion until its deletion
-- (the first later deletion of the same index), computed on demand from
-- the events (a folio's blocks found through event_keys).  Query it for
-- one inode at a time.
CREATE VIEW folios AS
SELECT a.trace_id, a.dev, a.ino, a.findex, coalesce(a.forder, 0) AS forder,
       a.id AS add_event,
       (SELECT min(d.id) FROM events d
         WHERE d.ino = a.ino AND d.findex = a.findex AND d.ts >= a.ts AND d.id > a.id
           AND d.kind = (SELECT id FROM kinds WHERE name = 'page_delete')) AS del_event
FROM events a
WHERE a.findex IS NOT NULL AND a.kind = (SELECT id FROM kinds WHERE name = 'page_add');

-- Happens-before edges between events of different tasks.
CREATE TABLE hb_edges (
    src      INTEGER NOT NULL,    -- events.id
    dst      INTEGER NOT NULL,    -- events.id
    why      TEXT NOT NULL,       -- 'lock', 'wakeup', 'slot', 'contention'
    implied  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (src, dst, why)
) STRICT, WITHOUT ROWID;

CREATE TABLE windows (
    id          INTEGER PRIMARY KEY,
    trace_id    INTEGER NOT NULL REFERENCES traces(id),
    family      TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    dev         INTEGER,
    ino         INTEGER,
    start_event INTEGER,
    end_event   INTEGER,
    start_ns    INTEGER,
    end_ns      INTEGER,
    first_index INTEGER,
    last_index  INTEGER,
    tasks       TEXT,             -- JSON array of pids
    evidence    TEXT              -- JSON
) STRICT;

-- Filled by `foliotrace replay`.
CREATE TABLE replays (
    id        INTEGER PRIMARY KEY,
    window_id INTEGER REFERENCES windows(id),
    scenario  TEXT,
    model     TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    digest    TEXT NOT NULL,
    schedule  TEXT,
    explored  INTEGER,
    bad       INTEGER,
    detail    TEXT              -- JSON
) STRICT;
