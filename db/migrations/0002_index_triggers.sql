-- The message index triggers of 0001 without their import_pending guard: a standalone `codex-web import` now
-- drops them inside its own transaction and puts them back before it commits (db/queries/import.ts), so the
-- guard was never reached. Same rules otherwise; docs/architecture.md#full-text-search.
DROP TRIGGER `rollout_index_item`;
--> statement-breakpoint
DROP TRIGGER `rollout_index_voice`;
--> statement-breakpoint
DROP TRIGGER `rollout_index_discard`;
--> statement-breakpoint
CREATE TRIGGER `rollout_index_item` AFTER INSERT ON `rollout_records`
WHEN new.`kind` = 'event' AND new.`type` = 'item_completed' AND json_extract(new.`payload`, '$.item.type') IN ('userMessage', 'agentMessage')
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
CREATE TRIGGER `rollout_index_voice` AFTER INSERT ON `rollout_records`
WHEN new.`kind` = 'event' AND new.`type` = 'voice_transcript' AND typeof(json_extract(new.`payload`, '$.text')) = 'text'
  AND json_extract(new.`payload`, '$.text') <> ''
BEGIN
  -- a line the upstream gave no item id is its own document, named by its record
  DELETE FROM `search_docs` WHERE `thread_id` = new.`thread_id` AND `item_id` = coalesce(json_extract(new.`payload`, '$.itemId'), 'voice-' || new.`seq`);
  INSERT INTO `search_docs` (`thread_id`, `seq`, `turn_id`, `item_id`, `role`, `origin`, `text`)
  VALUES (new.`thread_id`, new.`seq`, new.`turn_id`, coalesce(json_extract(new.`payload`, '$.itemId'), 'voice-' || new.`seq`),
          CASE json_extract(new.`payload`, '$.role') WHEN 'user' THEN 'user' ELSE 'assistant' END, 'voice', json_extract(new.`payload`, '$.text'));
END;
--> statement-breakpoint
CREATE TRIGGER `rollout_index_discard` AFTER INSERT ON `rollout_records`
WHEN new.`kind` = 'event' AND new.`type` = 'item_discarded'
BEGIN
  DELETE FROM `search_docs` WHERE `thread_id` = new.`thread_id` AND `item_id` = json_extract(new.`payload`, '$.itemId');
END;
