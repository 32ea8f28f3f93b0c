ALTER TABLE `tokens` ADD `parent_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_parent_cluster` ON `tokens` (`parent_id`,`cluster_id`);