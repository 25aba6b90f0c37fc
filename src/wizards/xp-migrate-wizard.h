/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"
#include "xapi-classes.h"

G_BEGIN_DECLS

#define XP_TYPE_MIGRATE_WIZARD (xp_migrate_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpMigrateWizard, xp_migrate_wizard, XP, MIGRATE_WIZARD, GtkWindow)

/* Migration of a VM to another server: of its pool (live,
 * VM.pool_migrate as a task) or of another connected pool in
 * @connections (cross-pool: an SR per disk, a network per VIF, the
 * migration network; host.migrate_receive, VM.assert_can_migrate and
 * VM.migrate_send as a task).  Pages: destination (pool, server),
 * storage and networking (cross-pool only), summary, progress.  @target
 * (optional) preselects a server once it is known to take the VM.
 * Emits "finished" (const char *host_ref_or_null, const char
 * *error_or_null) when the migration is over. */
GtkWindow  *xp_migrate_wizard_new             (GtkWindow       *parent,
                                               XapiVm          *vm);
GtkWindow  *xp_migrate_wizard_new_full        (GtkWindow       *parent,
                                               XapiVm          *vm,
                                               GListModel      *connections,  /* of XapiConnection, or NULL */
                                               XapiHost        *target);      /* or NULL */
/* The VM after a successful cross-pool migration (a ref of the
 * destination pool), or NULL. */
const char *xp_migrate_wizard_get_result_ref  (XpMigrateWizard *self);

G_END_DECLS
