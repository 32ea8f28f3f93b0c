CREATE TABLE `classes` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`template` text NOT NULL,
	`role` text NOT NULL,
	`creator_token_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `classes_tenant_name` ON `classes` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `downloads` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`sandbox_id` text NOT NULL,
	`sealed` text NOT NULL,
	`created_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `downloads_sandbox` ON `downloads` (`sandbox_id`);--> statement-breakpoint
CREATE TABLE `sandboxes` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`cluster_id` text NOT NULL,
	`template` text NOT NULL,
	`owner` text,
	`token_id` text NOT NULL,
	`class_id` text,
	`seat` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sandboxes_cluster` ON `sandboxes` (`cluster_id`);--> statement-breakpoint
CREATE INDEX `sandboxes_tenant` ON `sandboxes` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `sandboxes_class` ON `sandboxes` (`class_id`);--> statement-breakpoint
CREATE TABLE `snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`cluster_id` text NOT NULL,
	`name` text NOT NULL,
	`objects` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `snapshots_cluster_name` ON `snapshots` (`cluster_id`,`name`);--> statement-breakpoint
CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`config` text NOT NULL,
	`objects` text DEFAULT '' NOT NULL,
	`simulation` text DEFAULT '{}' NOT NULL,
	`tasks` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_tenant_name` ON `templates` (`tenant_id`,`name`);--> statement-breakpoint
ALTER TABLE `clusters` ADD `expires_at` integer;