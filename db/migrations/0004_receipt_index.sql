-- A thread's read receipt (thread/list computes one per listed thread) reads only its settled turns and read
-- marks: this partial index holds just those records, a few per thread, with what the receipt needs but a
-- read mark's payload (db/queries/rollout.ts readReceiptRecords).
CREATE INDEX `rollout_receipts` ON `rollout_records` (`thread_id`,`seq`,`type`,`turn_id`) WHERE kind = 'event' AND type IN ('turn_completed', 'read_mark');
