CREATE TABLE `rollout_records` (
	`thread_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`type` text NOT NULL,
	`turn_id` text,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`thread_id`, `seq`),
	FOREIGN KEY (`thread_id`) REFERENCES `threads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `threads` (
	`id` text PRIMARY KEY NOT NULL,
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
CREATE INDEX `threads_by_updated` ON `threads` (`archived`,`updated_at`,`id`,`title`);--> statement-breakpoint
CREATE INDEX `threads_by_created` ON `threads` (`archived`,`created_at`,`id`,`title`);