/* xapi-task-ops.h: following XenAPI tasks (the generated XapiTask class) to completion
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "xapi-connection.h"

G_BEGIN_DECLS

/* Wait until @task leaves "pending" (driven by task events in the cache).
 * On success returns the decoded result (the XML-RPC <value> fragment of
 * task.result as a JsonNode: string/ref -> string node, set -> array, "" ->
 * empty string node), transfer full.  On failure returns NULL with the task's
 * error_info as an XAPI_ERROR (TASK_CANCELLED for cancelled tasks).  The task
 * is destroyed on the server afterwards (task.destroy) when @destroy_when_done. */
void        xapi_task_wait_async          (XapiTask            *task,
                                           gboolean             destroy_when_done,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
JsonNode   *xapi_task_wait_finish         (XapiTask            *task,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Convenience: result as a ref string (first element for sets), or NULL. */
char       *xapi_task_result_dup_ref      (JsonNode            *result);

/* Decode task.result text (XML-RPC value fragment) without a task. */
JsonNode   *xapi_task_decode_result       (const char          *result_text,
                                           GError             **error);
/* error_info as a GError (NULL if empty). */
GError     *xapi_task_dup_error           (XapiTask            *task);
gboolean    xapi_task_is_pending          (XapiTask            *task);
/* Which object the task works on, when known (other_config / our own
 * bookkeeping of the call that created it); NULL otherwise. */
const char *xapi_task_get_target_ref      (XapiTask            *task);
void        _xapi_task_set_target_ref     (XapiTask            *task,
                                           const char          *ref);

G_END_DECLS
