/* xp-demo.h: `xenpools --demo`: simulated pools on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xp-connection-store.h"

G_BEGIN_DECLS

#define XP_TYPE_DEMO (xp_demo_get_type ())
G_DECLARE_FINAL_TYPE (XpDemo, xp_demo, XP, DEMO, GObject)

/* The simulator: $XENPOOLS_SIM, else the build tree's, else the installed
 * one; NULL when none exists. */
char     *xp_demo_find_simulator (void);

XpDemo   *xp_demo_new            (XpConnectionStore   *store);
/* Starts the demo pool and a smaller second pool, adds them to the store as
 * session-only (transient) connections whose certificates are trusted for
 * this session, and connects.  Completes once both simulators are listening. */
void      xp_demo_start_async    (XpDemo              *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gboolean  xp_demo_start_finish   (XpDemo              *self,
                                  GAsyncResult        *result,
                                  GError             **error);
/* Terminates the simulators (also done on dispose). */
void      xp_demo_stop           (XpDemo              *self);

G_END_DECLS
