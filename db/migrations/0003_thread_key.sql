-- Each thread gets an integer primary key, `key`, which is also the rowid of its entry in the title index: a
-- title match reaches its row in one lookup, where it took three through thread_search_keys (the key table of
-- 0001, dropped here) and the text id's index. An explicit INTEGER PRIMARY KEY keeps its value across VACUUM.
-- The table is rebuilt (SQLite cannot add a primary key): the copy keeps each thread's search key as its
-- key, so thread_titles_fts stays valid untouched. db/client.ts turns foreign keys off around the migrations,
-- so dropping the old table does not cascade into rollout_records, and the last statement checks them before
-- the migration commits; docs/architecture.md#full-text-search.
CREATE TABLE `__new_threads` (
	`key` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`name` text,
	`preview` text DEFAULT '' NOT NULL,
	`title` text GENERATED ALWAYS AS (coalesce(name, preview)) VIRTUAL,
	`cwd` text NOT NULL,
	`model` text NOT NULL,
	`model_provider` text NOT NULL,
	`source` text NOT NULL,
	`cli_version` text NOT NULL,
	`git_info` text,
	`forked_from_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`archived_at` integer
);
--> statement-breakpoint
-- A search key whose thread is gone (none should exist) takes its title entry with it, so a key given below
-- can never find a stale entry under its number.
DELETE FROM `thread_titles_fts` WHERE rowid IN (SELECT k.`id` FROM `thread_search_keys` k WHERE NOT EXISTS (SELECT 1 FROM `threads` t WHERE t.`id` = k.`thread_id`));
--> statement-breakpoint
-- A thread without a search key (none should exist) gets a fresh key, past every other, and its title entry below.
INSERT INTO `__new_threads` (`key`, `id`, `name`, `preview`, `cwd`, `model`, `model_provider`, `source`, `cli_version`, `git_info`, `forked_from_id`, `created_at`, `updated_at`, `archived`, `archived_at`)
SELECT k.`id`, t.`id`, t.`name`, t.`preview`, t.`cwd`, t.`model`, t.`model_provider`, t.`source`, t.`cli_version`, t.`git_info`, t.`forked_from_id`, t.`created_at`, t.`updated_at`, t.`archived`, t.`archived_at`
FROM `threads` t LEFT JOIN `thread_search_keys` k ON k.`thread_id` = t.`id` ORDER BY k.`id` IS NULL, k.`id`;
--> statement-breakpoint
INSERT INTO `thread_titles_fts` (rowid, `title`)
SELECT n.`key`, coalesce(n.`name`, n.`preview`) || char(1, 1) FROM `__new_threads` n
WHERE NOT EXISTS (SELECT 1 FROM `thread_search_keys` k WHERE k.`thread_id` = n.`id`);
--> statement-breakpoint
DROP TABLE `threads`;
--> statement-breakpoint
DROP TABLE `thread_search_keys`;
--> statement-breakpoint
ALTER TABLE `__new_threads` RENAME TO `threads`;
--> statement-breakpoint
CREATE UNIQUE INDEX `threads_id_unique` ON `threads` (`id`);
--> statement-breakpoint
CREATE INDEX `threads_by_updated` ON `threads` (`archived`,`updated_at`,`id`,`title`);
--> statement-breakpoint
CREATE INDEX `threads_by_created` ON `threads` (`archived`,`created_at`,`id`,`title`);
--> statement-breakpoint
CREATE TRIGGER `threads_title_ai` AFTER INSERT ON `threads` BEGIN
  INSERT INTO `thread_titles_fts` (rowid, `title`) VALUES (new.`key`, coalesce(new.`name`, new.`preview`) || char(1, 1));
END;
--> statement-breakpoint
CREATE TRIGGER `threads_title_au` AFTER UPDATE OF `name`, `preview` ON `threads`
WHEN coalesce(old.`name`, old.`preview`) IS NOT coalesce(new.`name`, new.`preview`)
BEGIN
  DELETE FROM `thread_titles_fts` WHERE rowid = old.`key`;
  INSERT INTO `thread_titles_fts` (rowid, `title`) VALUES (new.`key`, coalesce(new.`name`, new.`preview`) || char(1, 1));
END;
--> statement-breakpoint
CREATE TRIGGER `threads_search_ad` AFTER DELETE ON `threads` BEGIN
  DELETE FROM `thread_titles_fts` WHERE rowid = old.`key`;
  DELETE FROM `search_docs` WHERE `thread_id` = old.`id`;
END;
--> statement-breakpoint
-- With foreign keys off nothing enforced them during the rebuild: any row that now breaks one aborts the
-- migration (a CHECK failure), which then rolls back whole.
CREATE TEMP TABLE `migration_0003_foreign_key_check` (`broken_rows` integer CHECK (`broken_rows` = 0));
--> statement-breakpoint
INSERT INTO `migration_0003_foreign_key_check` SELECT count(*) FROM pragma_foreign_key_check;
--> statement-breakpoint
DROP TABLE `migration_0003_foreign_key_check`;
