CREATE TABLE `imported_rollouts` (
	`thread_id` text PRIMARY KEY NOT NULL,
	`path` text NOT NULL,
	`offset` integer NOT NULL,
	`lines` integer NOT NULL,
	`malformed` integer NOT NULL,
	`state` text NOT NULL,
	`imported_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `search_docs` (
	`id` integer PRIMARY KEY NOT NULL,
	`thread_id` text NOT NULL,
	`seq` integer NOT NULL,
	`turn_id` text,
	`item_id` text NOT NULL,
	`role` text NOT NULL,
	`origin` text NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `search_docs_by_thread` ON `search_docs` (`thread_id`,`seq`);--> statement-breakpoint
CREATE INDEX `search_docs_by_item` ON `search_docs` (`thread_id`,`item_id`);--> statement-breakpoint
CREATE TABLE `thread_search_keys` (
	`id` integer PRIMARY KEY NOT NULL,
	`thread_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `thread_search_keys_thread_id_unique` ON `thread_search_keys` (`thread_id`);--> statement-breakpoint
-- Hand-written below (drizzle-kit knows no virtual tables or triggers); docs/architecture.md#full-text-search.
-- Both FTS5 tables are contentless (the text lives in search_docs / threads) and trigram-tokenized, so a
-- quoted phrase of 3+ characters is a literal substring query. Every indexed text gets two U+0001 appended:
-- then each 1- or 2-character substring starts some indexed trigram, which is how short terms are found
-- (through the fts5vocab tables, see db/queries/search.ts).
-- Threads a standalone `codex-web import` is writing in its open transaction: their records skip the three
-- rollout_index_* triggers and are indexed in bulk just before that transaction commits
-- (db/queries/import.ts indexPending), so no committed state ever lacks its index entries.
CREATE TABLE `import_pending` (`thread_id` text PRIMARY KEY NOT NULL);
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_docs_fts` USING fts5(`text`, content='', contentless_delete=1, tokenize='trigram');
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_docs_vocab` USING fts5vocab(`search_docs_fts`, 'row');
--> statement-breakpoint
CREATE VIRTUAL TABLE `thread_titles_fts` USING fts5(`title`, content='', contentless_delete=1, tokenize='trigram case_sensitive 1');
--> statement-breakpoint
CREATE VIRTUAL TABLE `thread_titles_vocab` USING fts5vocab(`thread_titles_fts`, 'row');
--> statement-breakpoint
CREATE TRIGGER `search_docs_ai` AFTER INSERT ON `search_docs` BEGIN
  INSERT INTO `search_docs_fts` (rowid, `text`) VALUES (new.`id`, new.`text` || char(1, 1));
END;
--> statement-breakpoint
CREATE TRIGGER `search_docs_ad` AFTER DELETE ON `search_docs` BEGIN
  DELETE FROM `search_docs_fts` WHERE rowid = old.`id`;
END;
--> statement-breakpoint
-- A completed user message or agent answer: its visible text, replacing an earlier snapshot of the same item.
CREATE TRIGGER `rollout_index_item` AFTER INSERT ON `rollout_records`
WHEN new.`kind` = 'event' AND new.`type` = 'item_completed' AND json_extract(new.`payload`, '$.item.type') IN ('userMessage', 'agentMessage')
  AND NOT EXISTS (SELECT 1 FROM `import_pending` p WHERE p.`thread_id` = new.`thread_id`)
BEGIN
  DELETE FROM `search_docs` WHERE `thread_id` = new.`thread_id` AND `item_id` = json_extract(new.`payload`, '$.item.id');
  INSERT INTO `search_docs` (`thread_id`, `seq`, `turn_id`, `item_id`, `role`, `origin`, `text`)
  SELECT new.`thread_id`, new.`seq`, coalesce(new.`turn_id`, json_extract(new.`payload`, '$.turnId')), json_extract(new.`payload`, '$.item.id'),
         CASE json_extract(new.`payload`, '$.item.type') WHEN 'userMessage' THEN 'user' ELSE 'assistant' END, 'item', x.`text`
  FROM (SELECT CASE json_extract(new.`payload`, '$.item.type')
                 WHEN 'agentMessage' THEN json_extract(new.`payload`, '$.item.text')
                 ELSE (SELECT group_concat(json_extract(c.value, '$.text'), char(10)) FROM json_each(new.`payload`, '$.item.content') c
                       WHERE json_extract(c.value, '$.type') = 'text')
               END AS `text`) x
  WHERE typeof(x.`text`) = 'text' AND x.`text` <> '';
END;
--> statement-breakpoint
-- A voice transcript (payload {callId, role, text, itemId, at}).
CREATE TRIGGER `rollout_index_voice` AFTER INSERT ON `rollout_records`
WHEN new.`kind` = 'event' AND new.`type` = 'voice_transcript' AND typeof(json_extract(new.`payload`, '$.text')) = 'text'
  AND json_extract(new.`payload`, '$.text') <> ''
  AND NOT EXISTS (SELECT 1 FROM `import_pending` p WHERE p.`thread_id` = new.`thread_id`)
BEGIN
  -- a line the upstream gave no item id is its own document, named by its record
  DELETE FROM `search_docs` WHERE `thread_id` = new.`thread_id` AND `item_id` = coalesce(json_extract(new.`payload`, '$.itemId'), 'voice-' || new.`seq`);
  INSERT INTO `search_docs` (`thread_id`, `seq`, `turn_id`, `item_id`, `role`, `origin`, `text`)
  VALUES (new.`thread_id`, new.`seq`, new.`turn_id`, coalesce(json_extract(new.`payload`, '$.itemId'), 'voice-' || new.`seq`),
          CASE json_extract(new.`payload`, '$.role') WHEN 'user' THEN 'user' ELSE 'assistant' END, 'voice', json_extract(new.`payload`, '$.text'));
END;
--> statement-breakpoint
-- An item of a retried model attempt never happened: it leaves the index too.
CREATE TRIGGER `rollout_index_discard` AFTER INSERT ON `rollout_records`
WHEN new.`kind` = 'event' AND new.`type` = 'item_discarded'
  AND NOT EXISTS (SELECT 1 FROM `import_pending` p WHERE p.`thread_id` = new.`thread_id`)
BEGIN
  DELETE FROM `search_docs` WHERE `thread_id` = new.`thread_id` AND `item_id` = json_extract(new.`payload`, '$.itemId');
END;
--> statement-breakpoint
CREATE TRIGGER `threads_title_ai` AFTER INSERT ON `threads` BEGIN
  INSERT INTO `thread_search_keys` (`thread_id`) VALUES (new.`id`);
  INSERT INTO `thread_titles_fts` (rowid, `title`)
  VALUES ((SELECT `id` FROM `thread_search_keys` WHERE `thread_id` = new.`id`), coalesce(new.`name`, new.`preview`) || char(1, 1));
END;
--> statement-breakpoint
CREATE TRIGGER `threads_title_au` AFTER UPDATE OF `name`, `preview` ON `threads`
WHEN coalesce(old.`name`, old.`preview`) IS NOT coalesce(new.`name`, new.`preview`)
BEGIN
  DELETE FROM `thread_titles_fts` WHERE rowid = (SELECT `id` FROM `thread_search_keys` WHERE `thread_id` = new.`id`);
  INSERT INTO `thread_titles_fts` (rowid, `title`)
  VALUES ((SELECT `id` FROM `thread_search_keys` WHERE `thread_id` = new.`id`), coalesce(new.`name`, new.`preview`) || char(1, 1));
END;
--> statement-breakpoint
CREATE TRIGGER `threads_search_ad` AFTER DELETE ON `threads` BEGIN
  DELETE FROM `thread_titles_fts` WHERE rowid = (SELECT `id` FROM `thread_search_keys` WHERE `thread_id` = old.`id`);
  DELETE FROM `thread_search_keys` WHERE `thread_id` = old.`id`;
  DELETE FROM `search_docs` WHERE `thread_id` = old.`id`;
END;
--> statement-breakpoint
-- Backfill of a database made before this migration: the same rules as the triggers, over what is stored.
INSERT INTO `thread_search_keys` (`thread_id`) SELECT `id` FROM `threads` ORDER BY `created_at`, `id`;
--> statement-breakpoint
INSERT INTO `thread_titles_fts` (rowid, `title`)
SELECT k.`id`, coalesce(t.`name`, t.`preview`) || char(1, 1) FROM `thread_search_keys` k JOIN `threads` t ON t.`id` = k.`thread_id`;
--> statement-breakpoint
INSERT INTO `search_docs` (`thread_id`, `seq`, `turn_id`, `item_id`, `role`, `origin`, `text`)
SELECT `thread_id`, `seq`, `turn_id`, `item`, `role`, `origin`, `text` FROM (
  SELECT r.`thread_id`, r.`seq`, r.`type`, coalesce(r.`turn_id`, json_extract(r.`payload`, '$.turnId')) AS `turn_id`,
         CASE r.`type` WHEN 'voice_transcript' THEN coalesce(json_extract(r.`payload`, '$.itemId'), 'voice-' || r.`seq`) ELSE coalesce(json_extract(r.`payload`, '$.item.id'), json_extract(r.`payload`, '$.itemId')) END AS `item`,
         CASE WHEN r.`type` = 'voice_transcript' THEN (CASE json_extract(r.`payload`, '$.role') WHEN 'user' THEN 'user' ELSE 'assistant' END)
              WHEN json_extract(r.`payload`, '$.item.type') = 'userMessage' THEN 'user' ELSE 'assistant' END AS `role`,
         CASE r.`type` WHEN 'voice_transcript' THEN 'voice' ELSE 'item' END AS `origin`,
         CASE WHEN r.`type` = 'voice_transcript' THEN json_extract(r.`payload`, '$.text')
              WHEN r.`type` = 'item_discarded' THEN NULL
              WHEN json_extract(r.`payload`, '$.item.type') = 'agentMessage' THEN json_extract(r.`payload`, '$.item.text')
              WHEN json_extract(r.`payload`, '$.item.type') = 'userMessage' THEN
                (SELECT group_concat(json_extract(c.value, '$.text'), char(10)) FROM json_each(r.`payload`, '$.item.content') c
                 WHERE json_extract(c.value, '$.type') = 'text')
         END AS `text`,
         -- only the last record of each item counts: its final snapshot, or its discarding
         row_number() OVER (PARTITION BY r.`thread_id`, CASE r.`type` WHEN 'voice_transcript' THEN coalesce(json_extract(r.`payload`, '$.itemId'), 'voice-' || r.`seq`) ELSE coalesce(json_extract(r.`payload`, '$.item.id'), json_extract(r.`payload`, '$.itemId')) END ORDER BY r.`seq` DESC) AS `rn`
  FROM `rollout_records` r
  WHERE r.`kind` = 'event' AND r.`type` IN ('item_completed', 'item_discarded', 'voice_transcript')
)
WHERE `rn` = 1 AND `item` IS NOT NULL AND typeof(`text`) = 'text' AND `text` <> ''
ORDER BY `thread_id`, `seq`;
