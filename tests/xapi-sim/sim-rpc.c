/* sim-rpc.c: JSON-RPC dispatch, generic messages, sessions, tasks, events
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_RPC_BODY (300 * 1024)

static const char http_500_body[] =
  "<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while and "
  "try again. If the problem persists, please contact your support representative.<h1> Additional information "
  "</h1>%s</body></html>";

/* ---------------------------------------------------------------- helpers */

GStrv
sim_error (const char *code,
           ...)
{
  GPtrArray *a = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (a, g_strdup (code));
  va_start (ap, code);
  for (const char *s = va_arg (ap, const char *); s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (a, g_strdup (s));
  va_end (ap);
  g_ptr_array_add (a, NULL);
  return (GStrv) g_ptr_array_free (a, FALSE);
}

double
sim_scaled (Sim    *sim,
            double  seconds)
{
  return seconds * sim->time_scale;
}

SimRow *
sim_pool (Sim *sim)
{
  SimClass *cls = sim_model_class (sim->model, "pool");
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, cls->rows);
  if (g_hash_table_iter_next (&it, &k, &v))
    return v;
  return NULL;
}

SimRow *
sim_master (Sim *sim)
{
  if (sim->hosts->len == 0)
    return NULL;
  return sim->hosts->pdata[sim->master];
}

void
sim_register (Sim        *sim,
              const char *wire,
              SimHandler  handler)
{
  g_hash_table_replace (sim->handlers, (gpointer) wire, handler);
}

JsonNode *
sim_arg (SimCall *call,
         guint    i)
{
  if (call->args == NULL || i >= json_array_get_length (call->args))
    return NULL;
  return json_array_get_element (call->args, i);
}

const char *
sim_arg_str (SimCall *call,
             guint    i)
{
  JsonNode *n = sim_arg (call, i);
  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

SimRow *
sim_arg_row (SimCall *call,
             guint    i)
{
  const char *ref = sim_arg_str (call, i);
  SimType *t = i < call->m->params->len ? call->m->params->pdata[i] : NULL;
  SimClass *cls = t && t->kind == SIM_T_REF ? sim_model_class (call->sim->model, t->name) : call->cls;
  SimRow *row = cls ? sim_db_get (call->sim, cls, ref) : sim_db_find (call->sim, ref);

  if (row == NULL)
    sim_call_failf (call, "HANDLE_INVALID", cls ? cls->name : call->cls->name, ref ? ref : "", NULL);
  return row;
}

/* ---------------------------------------------------------------- replies */

static void
append_id (GString  *out,
           JsonNode *id)
{
  sim_write_node (out, id);
}

static GString *
reply_result_begin_sized (SimCall *call,
                          gsize    size)
{
  GString *out = g_string_sized_new (size);
  if (call->version == 2)
    g_string_append (out, "{\"jsonrpc\":\"2.0\",\"result\":");
  else
    g_string_append (out, "{\"result\":");
  return out;
}

static GString *
reply_result_begin (SimCall *call)
{
  return reply_result_begin_sized (call, 256);
}

static void
reply_result_end (SimCall *call,
                  GString *out)
{
  if (call->version == 2)
    g_string_append (out, ",\"id\":");
  else
    g_string_append (out, ",\"error\":null,\"id\":");
  append_id (out, call->id);
  g_string_append_c (out, '}');
}

static GString *
reply_error (SimCall *call,
             GStrv    error)
{
  GString *out = g_string_sized_new (256);

  if (call->version == 2)
    {
      g_string_append (out, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":1,\"message\":");
      sim_write_string (out, error[0]);
      g_string_append (out, ",\"data\":[");
      for (guint i = 1; error[i]; i++)
        {
          if (i > 1)
            g_string_append_c (out, ',');
          sim_write_string (out, error[i]);
        }
      g_string_append (out, "]},\"id\":");
    }
  else
    {
      g_string_append (out, "{\"result\":null,\"error\":[");
      for (guint i = 0; error[i]; i++)
        {
          if (i)
            g_string_append_c (out, ',');
          sim_write_string (out, error[i]);
        }
      g_string_append (out, "],\"id\":");
    }
  append_id (out, call->id);
  g_string_append_c (out, '}');
  return out;
}

static void
set_json_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "cache-control", "no-cache, no-store");
  soup_message_headers_replace (h, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (h, "Access-Control-Allow-Headers", "X-Requested-With");
}

static void
http_500 (SoupServerMessage *msg,
          const char        *info)
{
  g_autofree char *esc = g_markup_escape_text (info, -1);
  char *body = g_strdup_printf (http_500_body, esc);

  soup_server_message_set_status (msg, 500, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "cache-control", "no-cache, no-store");
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
call_free (SimCall *call)
{
  if (call->msg)
    g_object_unref (call->msg);
  if (call->id)
    json_node_unref (call->id);
  if (call->args)
    json_array_unref (call->args);
  if (call->subs)
    g_ptr_array_unref (call->subs);
  if (call->timer)
    g_source_remove (call->timer);
  if (call->first_look)
    g_source_remove (call->first_look);
  g_free (call->method);
  g_free (call->session_ref);
  g_free (call->task_ref);
  g_free (call);
}

typedef struct {
  SoupServerMessage *msg;
  GString *body;
  gboolean paused;
} Delayed;

static void
msg_pause (SoupServerMessage *msg)
{
  if (g_object_get_data (G_OBJECT (msg), "sim-paused") == NULL
      && g_object_get_data (G_OBJECT (msg), "sim-gone") == NULL)
    {
      g_object_set_data (G_OBJECT (msg), "sim-paused", GINT_TO_POINTER (1));
      soup_server_message_pause (msg);
    }
}

static void
really_send (SoupServerMessage *msg,
             GString           *body)
{
  gsize len = body->len;
  char *data = g_string_free (body, FALSE);

  g_object_set_data (G_OBJECT (msg), "sim-replied", GINT_TO_POINTER (1));
  if (g_object_get_data (G_OBJECT (msg), "sim-gone") == NULL)
    {
      soup_server_message_set_status (msg, 200, NULL);
      set_json_headers (msg);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, data, len);
      if (g_object_get_data (G_OBJECT (msg), "sim-paused"))
        {
          g_object_set_data (G_OBJECT (msg), "sim-paused", NULL);
          soup_server_message_unpause (msg);
        }
    }
  else
    g_free (data);
}

static gboolean
delayed_send (gpointer data)
{
  Delayed *d = data;
  really_send (d->msg, d->body);
  g_object_unref (d->msg);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static void
corrupt_body (Sim     *sim,
              SimCall *call,
              GString *body)
{
  const char *mode = sim->corrupt_mode;

  if (strcmp (mode, "truncate") == 0)
    g_string_truncate (body, body->len / 2);
  else if (strcmp (mode, "garble") == 0)
    {
      for (gsize i = 0; i < body->len; i += 7)
        body->str[i] = (char) ("\x01}{#\xff"[i % 5]);
    }
  else
    {
      /* mistype: a valid reply whose result has the wrong type */
      GString *out = reply_result_begin (call);
      gboolean was_string = strstr (body->str, "\"result\":\"") != NULL;
      g_string_append (out, was_string ? "12345" : "\"mistyped\"");
      reply_result_end (call, out);
      g_string_assign (body, out->str);
      g_string_free (out, TRUE);
    }
}

/* Send a finished JSON reply, applying delay/corrupt faults. */
static void
send_body (SimCall *call,
           GString *body)
{
  Sim *sim = call->sim;
  SoupServerMessage *msg = call->msg;

  if (msg == NULL)
    {
      g_string_free (body, TRUE);
      return;
    }
  if (sim->corrupt_count != 0 && sim->corrupt_mode
      && (sim->corrupt_method == NULL || g_strcmp0 (sim->corrupt_method, call->m ? call->m->wire : call->method) == 0
          || g_strcmp0 (sim->corrupt_method, call->method) == 0))
    {
      corrupt_body (sim, call, body);
      if (sim->corrupt_count > 0)
        sim->corrupt_count--;
    }
  if (sim->delay_count != 0 && sim->delay_ms > 0)
    {
      Delayed *d = g_new0 (Delayed, 1);
      if (sim->delay_count > 0)
        sim->delay_count--;
      g_object_set_data (G_OBJECT (msg), "sim-replied", GINT_TO_POINTER (1));
      msg_pause (msg);
      d->msg = g_object_ref (msg);
      d->body = body;
      g_timeout_add (sim->delay_ms, delayed_send, d);
      return;
    }
  really_send (msg, body);
}

static void
msg_disconnected (SoupServerMessage *msg,
                  gpointer           user_data)
{
  g_object_set_data (G_OBJECT (msg), "sim-gone", GINT_TO_POINTER (1));
}

static void finish_call_task (SimCall *call, JsonNode *result, GStrv error);

void
sim_call_fail (SimCall *call,
               GStrv    error)
{
  if (call->done)
    {
      g_strfreev (error);
      return;
    }
  call->done = TRUE;
  finish_call_task (call, NULL, error);
  if (call->msg)
    send_body (call, reply_error (call, error));
  g_strfreev (error);
  call_free (call);
}

void
sim_call_failf (SimCall    *call,
                const char *code,
                ...)
{
  GPtrArray *a = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (a, g_strdup (code));
  va_start (ap, code);
  for (const char *s = va_arg (ap, const char *); s != NULL; s = va_arg (ap, const char *))
    g_ptr_array_add (a, g_strdup (s));
  va_end (ap);
  g_ptr_array_add (a, NULL);
  sim_call_fail (call, (GStrv) g_ptr_array_free (a, FALSE));
}

void
sim_call_return (SimCall  *call,
                 JsonNode *result)
{
  if (call->done)
    {
      if (result)
        json_node_unref (result);
      return;
    }
  call->done = TRUE;
  finish_call_task (call, result, NULL);
  if (call->msg)
    {
      GString *out = reply_result_begin (call);
      if (result)
        sim_write_node (out, result);
      else
        g_string_append (out, "\"\"");
      reply_result_end (call, out);
      send_body (call, out);
    }
  if (result)
    json_node_unref (result);
  call_free (call);
}

/* Return pre-serialised JSON (large results of sync-only messages). */
static void
call_return_raw (SimCall *call,
                 GString *json)
{
  GString *out;

  call->done = TRUE;
  finish_call_task (call, NULL, NULL);
  out = reply_result_begin (call);
  g_string_append_len (out, json->str, json->len);
  g_string_free (json, TRUE);
  reply_result_end (call, out);
  send_body (call, out);
  call_free (call);
}

/* ---------------------------------------------------------------- tasks */

SimRow *
sim_task_new (Sim        *sim,
              const char *label,
              int         host)
{
  SimRow *t = sim_db_add (sim, "task", NULL);

  sim_row_set_str (sim, t, "name_label", label);
  sim_row_set (sim, t, "created", sv_now (0));
  sim_row_set_str (sim, t, "status", "pending");
  sim_row_set_str (sim, t, "type", "<none/>");
  sim_row_set_float (sim, t, "progress", 0.0);
  if (host >= 0 && (guint) host < sim->hosts->len)
    sim_row_set_ref (sim, t, "resident_on", sim->hosts->pdata[host]);
  return t;
}

void
sim_task_complete (Sim      *sim,
                   SimRow   *task,
                   JsonNode *result)
{
  GString *xml = g_string_new (NULL);

  sim_write_xmlrpc (xml, result);
  sim_row_set (sim, task, "allowed_operations", sv_empty_set ());
  sim_row_set (sim, task, "finished", sv_now (0));
  sim_row_set_float (sim, task, "progress", 1.0);
  sim_row_set_str (sim, task, "result", xml->str);
  sim_row_set_str (sim, task, "status", "success");
  g_string_free (xml, TRUE);
}

void
sim_task_fail (Sim    *sim,
               SimRow *task,
               GStrv   error)
{
  JsonNode *info = sv_empty_set ();

  for (guint i = 0; error[i]; i++)
    json_array_add_string_element (json_node_get_array (info), error[i]);
  sim_row_set (sim, task, "allowed_operations", sv_empty_set ());
  sim_row_set (sim, task, "finished", sv_now (0));
  sim_row_set_float (sim, task, "progress", 1.0);
  sim_row_set (sim, task, "error_info", info);
  sim_row_set_str (sim, task, "backtrace", "()");
  sim_row_set_str (sim, task, "status", strcmp (error[0], "TASK_CANCELLED") == 0 ? "cancelled" : "failure");
}

static void
finish_call_task (SimCall  *call,
                  JsonNode *result,
                  GStrv     error)
{
  Sim *sim = call->sim;
  SimRow *task;

  if (call->op)
    {
      SimOp *op = call->op;
      call->op = NULL;
      if (op->timer)
        g_source_remove (op->timer);
      op->timer = 0;
      if (call->task_ref)
        g_hash_table_remove (sim->ops, call->task_ref);   /* frees op */
    }
  if (call->task_ref == NULL)
    return;
  task = sim_db_find (sim, call->task_ref);
  if (task == NULL)
    return;
  if (!call->async)
    {
      sim_db_remove (sim, task);   /* short-lived task of a sync call */
      return;
    }
  if (error)
    sim_task_fail (sim, task, error);
  else
    sim_task_complete (sim, task, result);
  /* a pending destroy request is honoured now */
  if (sim_row_map_get (task, "current_operations", "destroy") != NULL)
    sim_db_remove (sim, task);
}

/* ---------------------------------------------------------------- operations */

static void
op_free (gpointer p)
{
  SimOp *op = p;
  if (op->timer)
    g_source_remove (op->timer);
  if (op->data_free)
    op->data_free (op->data);
  g_free (op->target_ref);
  g_free (op->opname);
  g_free (op->s1);
  g_free (op);
}

static void
op_release_target (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *target = op->target_ref ? sim_db_find (sim, op->target_ref) : NULL;

  if (target && op->call->task_ref && sim_class_field (target->cls, "current_operations"))
    {
      sim_row_map_remove (sim, target, "current_operations", op->call->task_ref);
      if (strcmp (target->cls->name, "VM") == 0)
        sim_vm_update_allowed (sim, target);
    }
}

static gboolean
op_tick (gpointer data)
{
  SimOp *op = data;
  SimCall *call = op->call;
  Sim *sim = call->sim;
  double elapsed = (g_get_monotonic_time () - op->started) / 1e6;
  SimRow *task = call->task_ref ? sim_db_find (sim, call->task_ref) : NULL;

  if (op->cancelled)
    {
      op->timer = 0;
      op_release_target (op);
      if (op->cancel)
        op->cancel (op);
      sim_call_failf (call, "TASK_CANCELLED", call->task_ref ? call->task_ref : "", NULL);
      return G_SOURCE_REMOVE;
    }
  if (elapsed >= op->seconds)
    {
      op->timer = 0;
      op_release_target (op);
      op->finish (op);   /* completes the call, which frees the op */
      return G_SOURCE_REMOVE;
    }
  if (task)
    sim_row_set_float (sim, task, "progress", floor (elapsed / op->seconds * 100.0) / 100.0);
  return G_SOURCE_CONTINUE;
}

SimOp *
sim_op_start (SimCall    *call,
              SimRow     *target,
              const char *opname,
              double      seconds,
              SimOpFunc   finish,
              SimOpFunc   cancel)
{
  Sim *sim = call->sim;
  SimOp *op;
  guint interval;

  if (target)
    {
      JsonNode *cur = sim_row_value (target, "current_operations");
      if (cur && JSON_NODE_HOLDS_OBJECT (cur) && json_object_get_size (json_node_get_object (cur)) > 0)
        {
          sim_call_failf (call, "OTHER_OPERATION_IN_PROGRESS", target->cls->name, target->ref, NULL);
          return NULL;
        }
    }

  op = g_new0 (SimOp, 1);
  op->call = call;
  op->opname = g_strdup (opname);
  op->seconds = seconds;
  op->started = g_get_monotonic_time ();
  op->finish = finish;
  op->cancel = cancel;
  call->op = op;
  if (call->task_ref == NULL)
    {
      SimRow *t = sim_task_new (sim, call->m ? call->m->wire : opname, call->host);
      call->task_ref = g_strdup (t->ref);
    }
  g_hash_table_replace (sim->ops, g_strdup (call->task_ref), op);

  if (target)
    {
      op->target = target;
      op->target_ref = g_strdup (target->ref);
      if (call->task_ref && sim_class_field (target->cls, "current_operations"))
        {
          sim_row_map_put_str (sim, target, "current_operations", call->task_ref, opname);
          if (strcmp (target->cls->name, "VM") == 0)
            sim_vm_update_allowed (sim, target);
        }
    }
  {
    SimRow *task = sim_db_find (sim, call->task_ref);
    if (task && cancel != NULL)
      sim_row_set (sim, task, "allowed_operations", sv_strset ("cancel", NULL));
  }
  interval = (guint) CLAMP (seconds * 1000.0 / 5.0, 1.0, 1000.0);
  op->timer = g_timeout_add (interval, op_tick, op);
  return op;
}

gboolean
sim_task_cancel (Sim        *sim,
                 const char *task_ref)
{
  SimOp *op = g_hash_table_lookup (sim->ops, task_ref);

  if (op == NULL || op->cancel == NULL)
    return FALSE;
  op->cancelled = TRUE;
  return TRUE;
}

/* ---------------------------------------------------------------- messages */

SimRow *
sim_message_new (Sim        *sim,
                 const char *name,
                 gint64      priority,
                 SimRow     *obj,
                 const char *body)
{
  SimRow *m = sim_db_add (sim, "message", NULL);
  const char *cls = "Pool";

  if (obj)
    {
      const char *n = obj->cls->name;
      cls = strcmp (n, "VM") == 0 ? "VM" : strcmp (n, "host") == 0 ? "Host" : strcmp (n, "SR") == 0 ? "SR"
            : strcmp (n, "VMPP") == 0 ? "VMPP" : strcmp (n, "VMSS") == 0 ? "VMSS" : "Pool";
    }
  sim_row_set_str (sim, m, "name", name);
  sim_row_set_int (sim, m, "priority", priority);
  sim_row_set_str (sim, m, "cls", cls);
  sim_row_set_str (sim, m, "obj_uuid", obj ? sim_row_str (obj, "uuid") : "");
  sim_row_set (sim, m, "timestamp", sv_now (0));
  sim_row_set_str (sim, m, "body", body ? body : "");
  sim->msg_gen++;
  return m;
}

/* ---------------------------------------------------------------- sessions */

SimRow *
sim_session_get (Sim        *sim,
                 const char *ref)
{
  return sim_db_get (sim, sim_model_class (sim->model, "session"), ref);
}

static void
clear_class (Sim        *sim,
             const char *name)
{
  SimClass *cls = sim_model_class (sim->model, name);
  g_autoptr(GPtrArray) rows = sim_rows_array (cls);

  for (guint i = 0; i < rows->len; i++)
    sim_db_remove (sim, rows->pdata[i]);
}

void
sim_sessions_clear (Sim *sim)
{
  clear_class (sim, "session");
  sim_events_abort_all (sim, TRUE);
}

void
sim_tasks_clear (Sim *sim)
{
  clear_class (sim, "task");
}

static void
h_login (SimCall *call)
{
  Sim *sim = call->sim;
  const char *user = sim_arg_str (call, 0);
  const char *pwd = sim_arg_str (call, 1);
  const char *originator = sim_arg_str (call, 3);
  gboolean ok = FALSE, ro = FALSE;
  SimRow *s;

  if (user == NULL || pwd == NULL)
    {
      sim_call_failf (call, "SESSION_AUTHENTICATION_FAILED", user ? user : "", "Authentication failure", NULL);
      return;
    }
  if (strcmp (user, sim->user) == 0 && (sim->password == NULL || strcmp (pwd, sim->password) == 0))
    ok = TRUE;
  else if (strcmp (user, "readonly") == 0 && strcmp (pwd, "readonly") == 0)
    ok = ro = TRUE;
  if (!ok)
    {
      sim_call_failf (call, "SESSION_AUTHENTICATION_FAILED", user, "Authentication failure", NULL);
      return;
    }
  s = sim_db_add (sim, "session", NULL);
  sim_row_set_ref (sim, s, "this_host", sim_master (sim));
  sim_row_set (sim, s, "last_active", sv_now (0));
  sim_row_set (sim, s, "validation_time", sv_now (0));
  sim_row_set_bool (sim, s, "is_local_superuser", !ro);
  sim_row_set_str (sim, s, "auth_user_name", user);
  if (sim_class_field (s->cls, "originator"))
    sim_row_set_str (sim, s, "originator", originator ? originator : "");
  if (ro)
    sim_row_set (sim, s, "rbac_permissions", sv_strset ("read-only", NULL));
  sim_call_return (call, sv_str (s->ref));
}

static void
h_logout (SimCall *call)
{
  SimRow *s = sim_session_get (call->sim, call->session_ref);

  if (s)
    sim_db_remove (call->sim, s);
  sim_events_abort_all (call->sim, FALSE);
  sim_call_return (call, NULL);
}

/* ---------------------------------------------------------------- generic */

static void
write_all_records (GString  *out,
                   SimClass *cls)
{
  GHashTableIter it;
  gpointer k, v;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  g_hash_table_iter_init (&it, cls->rows);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      sim_write_string (out, k);
      g_string_append_c (out, ':');
      sim_write_record (out, v);
    }
  g_string_append_c (out, '}');
}

static gboolean
generic (SimCall *call)
{
  Sim *sim = call->sim;
  SimClass *cls = call->cls;
  const char *name = call->m->name;
  SimField *f;

  if (strcmp (name, "get_record") == 0)
    {
      SimRow *row = sim_arg_row (call, 0);
      GString *out;
      if (row == NULL)
        return TRUE;
      out = g_string_new (NULL);
      sim_write_record (out, row);
      call_return_raw (call, out);
      return TRUE;
    }
  if (strcmp (name, "get_all") == 0)
    {
      JsonNode *n = sv_empty_set ();
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, cls->rows);
      while (g_hash_table_iter_next (&it, &k, &v))
        json_array_add_string_element (json_node_get_array (n), k);
      sim_call_return (call, n);
      return TRUE;
    }
  if (strcmp (name, "get_all_records") == 0 || strcmp (name, "get_all_records_where") == 0)
    {
      GString *out = g_string_sized_new (4096);
      write_all_records (out, cls);
      call_return_raw (call, out);
      return TRUE;
    }
  if (strcmp (name, "get_by_uuid") == 0 && cls->uuid >= 0)
    {
      const char *uuid = sim_arg_str (call, 0);
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, cls->rows);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (g_strcmp0 (sim_row_str (v, "uuid"), uuid) == 0)
          {
            sim_call_return (call, sv_str (k));
            return TRUE;
          }
      sim_call_failf (call, "UUID_INVALID", cls->name, uuid ? uuid : "", NULL);
      return TRUE;
    }
  if (strcmp (name, "get_by_name_label") == 0 && cls->name_label >= 0)
    {
      const char *label = sim_arg_str (call, 0);
      JsonNode *n = sv_empty_set ();
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, cls->rows);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (g_strcmp0 (sim_row_str (v, "name_label"), label) == 0)
          json_array_add_string_element (json_node_get_array (n), k);
      sim_call_return (call, n);
      return TRUE;
    }
  if (strcmp (name, "create") == 0 && call->m->params->len == 1
      && ((SimType *) call->m->params->pdata[0])->kind == SIM_T_RECORD)
    {
      JsonNode *args = sim_arg (call, 0);
      SimRow *row;
      JsonObjectIter it;
      const char *k;
      JsonNode *v;

      if (args == NULL || !JSON_NODE_HOLDS_OBJECT (args))
        {
          sim_call_failf (call, "INTERNAL_ERROR", "Expected struct", NULL);
          return TRUE;
        }
      /* check every value first */
      json_object_iter_init (&it, json_node_get_object (args));
      while (json_object_iter_next (&it, &k, &v))
        {
          char *err = NULL;
          JsonNode *c;
          f = sim_class_field (cls, k);
          if (f == NULL || f->is_reverse || (gint) f->index == cls->uuid)
            continue;
          c = sim_coerce (sim->model, f->type, v, &err);
          if (c == NULL && err)
            {
              g_autofree char *m = g_strdup_printf ("%s: %s", k, err);
              g_free (err);
              sim_call_failf (call, "INTERNAL_ERROR", m, NULL);
              return TRUE;
            }
          if (c)
            json_node_unref (c);
        }
      row = sim_db_add (sim, cls->name, NULL);
      json_object_iter_init (&it, json_node_get_object (args));
      while (json_object_iter_next (&it, &k, &v))
        {
          char *err = NULL;
          JsonNode *c;
          f = sim_class_field (cls, k);
          if (f == NULL || f->is_reverse || (gint) f->index == cls->uuid)
            continue;
          c = sim_coerce (sim->model, f->type, v, &err);
          g_free (err);
          if (c)
            sim_row_set_field (sim, row, f, c);
        }
      sim_call_return (call, sv_str (row->ref));
      return TRUE;
    }
  if (strcmp (name, "destroy") == 0)
    {
      SimRow *row = sim_arg_row (call, 0);
      if (row == NULL)
        return TRUE;
      sim_db_remove (sim, row);
      sim_call_return (call, NULL);
      return TRUE;
    }
  if (g_str_has_prefix (name, "get_") && (f = sim_class_field (cls, name + 4)) != NULL)
    {
      SimRow *row = sim_arg_row (call, 0);
      if (row == NULL)
        return TRUE;
      sim_call_return (call, row->v[f->index] ? json_node_ref (row->v[f->index]) : NULL);
      return TRUE;
    }
  if (g_str_has_prefix (name, "set_") && (f = sim_class_field (cls, name + 4)) != NULL)
    {
      SimRow *row = sim_arg_row (call, 0);
      JsonNode *v;
      if (row == NULL)
        return TRUE;
      v = sim_arg (call, 1);
      sim_row_set_field (sim, row, f, v ? json_node_ref (v) : sim_zero_value (f->type));
      sim_call_return (call, NULL);
      return TRUE;
    }
  if (g_str_has_prefix (name, "add_to_") && (f = sim_class_field (cls, name + 7)) != NULL
      && f->type->kind == SIM_T_MAP)
    {
      SimRow *row = sim_arg_row (call, 0);
      const char *key = sim_arg_str (call, 1);
      JsonNode *val = sim_arg (call, 2);
      JsonNode *cur;
      if (row == NULL)
        return TRUE;
      cur = row->v[f->index];
      if (key && cur && json_object_has_member (json_node_get_object (cur), key))
        {
          sim_call_failf (call, "MAP_DUPLICATE_KEY", cls->name, f->name, row->ref, key, NULL);
          return TRUE;
        }
      sim_row_map_put (sim, row, f->name, key ? key : "", val ? json_node_ref (val) : sv_str (""));
      sim_call_return (call, NULL);
      return TRUE;
    }
  if (g_str_has_prefix (name, "remove_from_") && (f = sim_class_field (cls, name + 12)) != NULL
      && f->type->kind == SIM_T_MAP)
    {
      SimRow *row = sim_arg_row (call, 0);
      if (row == NULL)
        return TRUE;
      sim_row_map_remove (sim, row, f->name, sim_arg_str (call, 1) ? sim_arg_str (call, 1) : "");
      sim_call_return (call, NULL);
      return TRUE;
    }
  if (g_str_has_prefix (name, "add_") && (f = sim_class_field (cls, name + 4)) != NULL
      && f->type->kind == SIM_T_SET)
    {
      SimRow *row = sim_arg_row (call, 0);
      JsonNode *val = sim_arg (call, 1);
      if (row == NULL)
        return TRUE;
      if (val)
        sim_row_set_add (sim, row, f->name, json_node_ref (val));
      sim_call_return (call, NULL);
      return TRUE;
    }
  if (g_str_has_prefix (name, "remove_") && (f = sim_class_field (cls, name + 7)) != NULL
      && f->type->kind == SIM_T_SET)
    {
      SimRow *row = sim_arg_row (call, 0);
      JsonNode *val = sim_arg (call, 1);
      if (row == NULL)
        return TRUE;
      if (val)
        sim_row_set_remove (sim, row, f->name, val);
      sim_call_return (call, NULL);
      return TRUE;
    }
  return FALSE;
}

/* ---------------------------------------------------------------- events */

static void
write_token (GString *out,
             Sim     *sim)
{
  g_string_append_printf (out, "\"%020" G_GUINT64_FORMAT ",%020" G_GUINT64_FORMAT "\"", sim->gen, sim->msg_gen);
}

static gboolean
subscribed (SimCall    *call,
            SimClass   *cls,
            const char *ref)
{
  for (guint i = 0; i < call->subs->len; i++)
    {
      const char *s = call->subs->pdata[i];
      const char *slash;
      if (strcmp (s, "*") == 0)
        return TRUE;
      slash = strchr (s, '/');
      if (slash == NULL)
        {
          if (strcmp (s, cls->lname) == 0)
            return TRUE;
        }
      else if ((gsize) (slash - s) == strlen (cls->lname) && strncmp (s, cls->lname, slash - s) == 0
               && (ref == NULL || strcmp (slash + 1, ref) == 0))
        return TRUE;
    }
  return FALSE;
}

static void
write_event (GString    *out,
             gboolean   *first,
             guint64     id,
             SimClass   *cls,
             const char *op,
             const char *ref,
             SimRow     *row)
{
  if (!*first)
    g_string_append_c (out, ',');
  *first = FALSE;
  if (strcmp (cls->name, "message") == 0)
    g_string_append (out, "{\"id\":\"0\"");
  else
    g_string_append_printf (out, "{\"id\":\"%" G_GUINT64_FORMAT "\"", id);
  g_string_append (out, ",\"timestamp\":\"0.0\",\"class\":");
  sim_write_string (out, cls->lname);
  g_string_append (out, ",\"operation\":\"");
  g_string_append (out, op);
  g_string_append (out, "\",\"ref\":");
  sim_write_string (out, ref);
  if (row)
    {
      g_string_append (out, ",\"snapshot\":");
      sim_write_record (out, row);
    }
  g_string_append_c (out, '}');
}

/* Writes the events of the batch into @out (without brackets); returns how
 * many were written. */
static guint
collect_events (SimCall *call,
                GString *out)
{
  Sim *sim = call->sim;
  guint64 since = call->since;
  gboolean first = TRUE;
  guint n = 0;

  /* messages first, then deletions, modifications, additions */
  for (int pass = 0; pass < 4; pass++)
    {
      if (pass == 1)
        {
          for (guint i = sim->deleted->len; i-- > 0;)
            {
              SimDeleted *d = sim->deleted->pdata[i];
              if (d->deleted <= since)
                break;
              if (d->created > since || !d->cls->gen_events || !subscribed (call, d->cls, d->ref))
                continue;
              write_event (out, &first, d->deleted, d->cls, "del", d->ref, NULL);
              n++;
            }
          continue;
        }
      for (guint c = 0; c < sim->model->classes->len; c++)
        {
          SimClass *cls = sim->model->classes->pdata[c];
          gboolean is_msg = strcmp (cls->name, "message") == 0;
          GHashTableIter it;
          gpointer k, v;

          /* no row of the class changed since: nothing to look at (most
           * classes, in a storm on one) */
          if (!cls->gen_events || (pass == 0) != is_msg || g_hash_table_size (cls->rows) == 0
              || cls->max_modified <= since)
            continue;
          if (!subscribed (call, cls, NULL))
            continue;
          g_hash_table_iter_init (&it, cls->rows);
          while (g_hash_table_iter_next (&it, &k, &v))
            {
              SimRow *row = v;
              if (row->modified <= since)
                continue;
              if (pass == 2 && row->created > since)
                continue;
              if (pass == 3 && row->created <= since)
                continue;
              if (pass == 0 && row->created <= since)
                continue;
              if (!subscribed (call, cls, row->ref))
                continue;
              write_event (out, &first, row->modified, cls, pass == 2 ? "mod" : "add", row->ref, row);
              n++;
            }
        }
    }
  return n;
}

static void
write_ref_counts (GString *out,
                  Sim     *sim)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  for (guint c = 0; c < sim->model->classes->len; c++)
    {
      SimClass *cls = sim->model->classes->pdata[c];
      if (!sim_class_message (cls, "get_all_records") && !sim_class_message (cls, "get_record"))
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      sim_write_string (out, cls->lname);
      g_string_append_printf (out, ":%u", g_hash_table_size (cls->rows));
    }
  g_string_append_c (out, '}');
}

/* Try to answer a waiting event.from; TRUE when answered.  The reply is
 * written in one buffer, as large as the last one was (a batch in a storm is
 * megabytes: no copies, no growing). */
static gboolean
event_try (SimCall  *call,
           gboolean  force)
{
  static gsize size_hint = 4096;
  Sim *sim = call->sim;
  GString *out = reply_result_begin_sized (call, size_hint);
  guint n;

  g_string_append (out, "{\"events\":[");
  n = collect_events (call, out);
  if (n == 0 && !force)
    {
      g_string_free (out, TRUE);
      return FALSE;
    }
  sim->events_served += n;
  g_string_append (out, "],\"valid_ref_counts\":");
  write_ref_counts (out, sim);
  g_string_append (out, ",\"token\":");
  write_token (out, sim);
  g_string_append_c (out, '}');
  size_hint = CLAMP (out->len + 1024, 4096, 8 << 20);
  call->done = TRUE;
  finish_call_task (call, NULL, NULL);
  reply_result_end (call, out);
  send_body (call, out);
  call_free (call);
  return TRUE;
}

static gboolean
event_timeout (gpointer data)
{
  SimCall *call = data;
  Sim *sim = call->sim;

  call->timer = 0;
  sim->waiters = g_list_remove (sim->waiters, call);
  event_try (call, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
check_waiters (gpointer data)
{
  Sim *sim = data;
  GList *l = sim->waiters;

  sim->waiter_check = 0;
  while (l)
    {
      GList *next = l->next;
      SimCall *call = l->data;
      /* a call still in its first delay looks at its own time */
      if (call->first_look == 0 && event_try (call, FALSE))
        sim->waiters = g_list_delete_link (sim->waiters, l);
      l = next;
    }
  return G_SOURCE_REMOVE;
}

/* xapi's event.from waits event_from_delay (50 ms; 0 when every subscription
 * is a task) before its first look, so that changes made together come in
 * one batch (xapi-protocol.md §3.4). */
#define EVENT_FROM_DELAY_MS 50

static gboolean
first_look (gpointer data)
{
  SimCall *call = data;
  Sim *sim = call->sim;

  call->first_look = 0;
  if (event_try (call, FALSE))
    sim->waiters = g_list_remove (sim->waiters, call);
  return G_SOURCE_REMOVE;
}

static gboolean
only_tasks (SimCall *call)
{
  if (call->subs->len == 0)
    return FALSE;
  for (guint i = 0; i < call->subs->len; i++)
    {
      const char *s = call->subs->pdata[i];
      if (strcmp (s, "task") != 0 && !g_str_has_prefix (s, "task/"))
        return FALSE;
    }
  return TRUE;
}

void
sim_db_changed (Sim *sim)
{
  if (sim->waiters && sim->waiter_check == 0)
    sim->waiter_check = g_timeout_add (50, check_waiters, sim);
}

void
sim_events_abort_all (Sim      *sim,
                      gboolean  all)
{
  GList *l = sim->waiters;

  while (l)
    {
      GList *next = l->next;
      SimCall *call = l->data;
      if (all || sim_session_get (sim, call->session_ref) == NULL)
        {
          sim->waiters = g_list_delete_link (sim->waiters, l);
          sim_call_failf (call, "SESSION_INVALID", call->session_ref, NULL);
        }
      l = next;
    }
}

static gboolean
parse_token (const char *token,
             guint64    *gen,
             guint64    *mgen)
{
  const char *comma;
  char *end = NULL;

  *gen = *mgen = 0;
  if (token[0] == '\0')
    return TRUE;
  comma = strchr (token, ',');
  if (comma == NULL || comma == token)
    return FALSE;
  *gen = g_ascii_strtoull (token, &end, 10);
  if (end != comma)
    return FALSE;
  *mgen = g_ascii_strtoull (comma + 1, &end, 10);
  return end != comma + 1 && *end == '\0';
}

static void
h_event_from (SimCall *call)
{
  Sim *sim = call->sim;
  JsonNode *classes = sim_arg (call, 0);
  const char *token = sim_arg_str (call, 1);
  JsonNode *tn = sim_arg (call, 2);
  double timeout = tn ? json_node_get_double (tn) : 0.0;

  if (!parse_token (token ? token : "", &call->since, &call->since_msg))
    {
      sim_call_failf (call, "EVENT_FROM_TOKEN_PARSE_FAILURE", token ? token : "", NULL);
      return;
    }
  call->subs = g_ptr_array_new_with_free_func (g_free);
  if (classes && JSON_NODE_HOLDS_ARRAY (classes))
    {
      JsonArray *a = json_node_get_array (classes);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          const char *s = json_array_get_string_element (a, i);
          const char *slash = strchr (s, '/');
          if (slash)
            {
              g_autofree char *c = g_ascii_strdown (s, slash - s);
              g_ptr_array_add (call->subs, g_strconcat (c, slash, NULL));
            }
          else
            g_ptr_array_add (call->subs, g_ascii_strdown (s, -1));
        }
    }
  if (!isfinite (timeout) || timeout < 0)
    timeout = 86400;
  if (only_tasks (call))
    {
      if (event_try (call, timeout == 0))
        return;
    }
  else
    {
      /* the first look comes after the delay, even with a zero timeout */
      call->first_look = g_timeout_add (EVENT_FROM_DELAY_MS, first_look, call);
      timeout = MAX (timeout, EVENT_FROM_DELAY_MS / 1000.0);
    }
  call->timer = g_timeout_add ((guint) MIN (timeout * 1000.0, 86400000.0), event_timeout, call);
  sim->waiters = g_list_append (sim->waiters, call);
}

static void
h_event_inject (SimCall *call)
{
  Sim *sim = call->sim;
  const char *cls_name = sim_arg_str (call, 0);
  const char *ref = sim_arg_str (call, 1);
  SimClass *cls = cls_name ? g_hash_table_lookup (sim->model->class_lindex, cls_name) : NULL;
  g_autofree char *lower = cls_name ? g_ascii_strdown (cls_name, -1) : NULL;
  SimRow *row;

  if (cls == NULL && lower)
    cls = g_hash_table_lookup (sim->model->class_lindex, lower);
  row = cls ? sim_db_get (sim, cls, ref) : NULL;
  if (row == NULL)
    {
      sim_call_failf (call, "HANDLE_INVALID", cls_name ? cls_name : "", ref ? ref : "", NULL);
      return;
    }
  sim_db_touch (sim, row);
  {
    g_autofree char *tok = g_strdup_printf ("%020" G_GUINT64_FORMAT ",%020d", sim->gen - 1, 0);
    sim_call_return (call, sv_str (tok));
  }
}

static void
h_event_get_current_id (SimCall *call)
{
  sim_call_return (call, sv_int ((gint64) call->sim->gen));
}

/* ---------------------------------------------------------------- task */

static void
h_task_cancel (SimCall *call)
{
  SimRow *task = sim_arg_row (call, 0);

  if (task == NULL)
    return;
  if (!sim_task_cancel (call->sim, task->ref))
    {
      sim_call_failf (call, "OPERATION_NOT_ALLOWED", "task cannot be cancelled", NULL);
      return;
    }
  sim_row_map_put_str (call->sim, task, "current_operations", call->task_ref ? call->task_ref : task->ref, "cancel");
  sim_call_return (call, NULL);
}

static void
h_task_destroy (SimCall *call)
{
  SimRow *task = sim_arg_row (call, 0);

  if (task == NULL)
    return;
  if (strcmp (sim_row_str (task, "status"), "pending") == 0)
    sim_row_map_put_str (call->sim, task, "current_operations", "destroy", "destroy");
  else
    sim_db_remove (call->sim, task);
  sim_call_return (call, NULL);
}

static void
h_task_create (SimCall *call)
{
  SimRow *t = sim_task_new (call->sim, sim_arg_str (call, 0) ? sim_arg_str (call, 0) : "", call->host);

  sim_row_set_str (call->sim, t, "name_description", sim_arg_str (call, 1) ? sim_arg_str (call, 1) : "");
  sim_call_return (call, sv_str (t->ref));
}

/* ---------------------------------------------------------------- dispatch */

static void
h_list_methods (SimCall *call)
{
  Sim *sim = call->sim;
  GString *out = g_string_sized_new (65536);
  gboolean first = TRUE;

  g_string_append_c (out, '[');
  for (guint c = 0; c < sim->model->classes->len; c++)
    {
      SimClass *cls = sim->model->classes->pdata[c];
      for (guint i = 0; i < cls->message_list->len; i++)
        {
          SimMessage *m = cls->message_list->pdata[i];
          if (!first)
            g_string_append_c (out, ',');
          first = FALSE;
          sim_write_string (out, m->wire);
        }
    }
  g_string_append (out, ",\"system.listMethods\"]");
  call_return_raw (call, out);
}

static gboolean
resolve_method (Sim         *sim,
                const char  *wire,
                gboolean    *async,
                SimClass   **out_cls,
                SimMessage **out_m)
{
  const char *dot;

  *async = FALSE;
  if (g_str_has_prefix (wire, "Async."))
    {
      *async = TRUE;
      wire += 6;
    }
  dot = strchr (wire, '.');
  if (dot)
    {
      g_autofree char *cname = g_strndup (wire, dot - wire);
      SimClass *cls = sim_model_class (sim->model, cname);
      SimMessage *m = cls ? sim_class_message (cls, dot + 1) : NULL;
      if (m == NULL)
        return FALSE;
      *out_cls = cls;
      *out_m = m;
      return TRUE;
    }
  if (*async)
    return FALSE;   /* no Async_ form */
  for (const char *p = strchr (wire, '_'); p; p = strchr (p + 1, '_'))
    {
      g_autofree char *cname = g_strndup (wire, p - wire);
      SimClass *cls = sim_model_class (sim->model, cname);
      SimMessage *m = cls ? sim_class_message (cls, p + 1) : NULL;
      if (m)
        {
          *out_cls = cls;
          *out_m = m;
          return TRUE;
        }
    }
  return FALSE;
}

static SimFailNext *
take_fail_next (Sim        *sim,
                SimMessage *m)
{
  for (guint i = 0; i < sim->fail_next->len; i++)
    {
      SimFailNext *f = sim->fail_next->pdata[i];
      if (strcmp (f->method, m->wire) == 0 && f->count != 0)
        {
          if (f->count > 0)
            f->count--;
          return f;
        }
    }
  return NULL;
}

static void
dispatch (SimCall *call)
{
  Sim *sim = call->sim;
  SimHandler h = g_hash_table_lookup (sim->handlers, call->m->wire);

  if (h)
    h (call);
  else if (!generic (call))
    {
      /* Never pretend: a message the simulator does not model fails, so a
       * client test cannot pass on a call that did nothing. */
      g_printerr ("xapi-sim: %s is not implemented\n", call->m->wire);
      sim_call_failf (call, "NOT_IMPLEMENTED", call->m->wire, NULL);
    }
}

void
sim_rpc_handle (Sim               *sim,
                SoupServerMessage *msg,
                int                host)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SoupMessageHeaders *rh = soup_server_message_get_request_headers (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *req;
  JsonNode *params, *id, *ver;
  const char *method;
  SimCall *call;
  gboolean async = FALSE;
  guint nparams, received;
  SimFailNext *fail;

  sim->calls++;
  if (strcmp (soup_server_message_get_method (msg), "OPTIONS") == 0)
    {
      const char *req_h = soup_message_headers_get_one (rh, "Access-Control-Request-Headers");
      g_autofree char *allow = g_strdup_printf ("%s%sX-Requested-With", req_h ? req_h : "", req_h ? ", " : "");
      SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
      soup_message_headers_replace (h, "Access-Control-Allow-Origin", "*");
      soup_message_headers_replace (h, "Access-Control-Allow-Headers", allow);
      soup_message_headers_replace (h, "Access-Control-Allow-Methods", "PUT");
      soup_server_message_set_status (msg, 200, NULL);
      return;
    }
  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      http_500 (msg, "Only POST is supported on /jsonrpc");
      return;
    }
  if (soup_message_headers_get_encoding (rh) == SOUP_ENCODING_CHUNKED)
    {
      http_500 (msg, "We require a content-length: HTTP header");
      return;
    }
  if (body->length > MAX_RPC_BODY)
    {
      http_500 (msg, "Request body too large");
      return;
    }
  if (!json_parser_load_from_data (parser, body->data ? body->data : "", body->length, &error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      http_500 (msg, error ? error->message : "Expected a JSON object");
      return;
    }
  req = json_node_get_object (json_parser_get_root (parser));
  ver = json_object_get_member (req, "jsonrpc");
  id = json_object_get_member (req, "id");
  params = json_object_get_member (req, "params");
  method = json_object_has_member (req, "method")
           && JSON_NODE_HOLDS_VALUE (json_object_get_member (req, "method"))
           && json_node_get_value_type (json_object_get_member (req, "method")) == G_TYPE_STRING
           ? json_object_get_string_member (req, "method") : NULL;
  if (ver && !(JSON_NODE_HOLDS_VALUE (ver) && json_node_get_value_type (ver) == G_TYPE_STRING
               && strcmp (json_node_get_string (ver), "2.0") == 0))
    {
      http_500 (msg, "Invalid field 'jsonrpc' in request body");
      return;
    }
  if (method == NULL)
    {
      http_500 (msg, "Invalid field 'method' in request body");
      return;
    }
  if (id == NULL || !JSON_NODE_HOLDS_VALUE (id)
      || (json_node_get_value_type (id) != G_TYPE_INT64 && json_node_get_value_type (id) != G_TYPE_STRING))
    {
      http_500 (msg, "Invalid field 'id' in request body");
      return;
    }
  if (ver == NULL && (params == NULL || !JSON_NODE_HOLDS_ARRAY (params)))
    {
      http_500 (msg, "Invalid field 'params' in request body");
      return;
    }
  if (params && !JSON_NODE_HOLDS_ARRAY (params) && !JSON_NODE_HOLDS_NULL (params) && !JSON_NODE_HOLDS_OBJECT (params))
    {
      http_500 (msg, "Invalid field 'params' in request body");
      return;
    }

  call = g_new0 (SimCall, 1);
  call->sim = sim;
  call->host = host;
  call->msg = g_object_ref (msg);
  g_signal_connect (msg, "disconnected", G_CALLBACK (msg_disconnected), NULL);
  call->version = ver ? 2 : 1;
  call->id = json_node_copy (id);
  call->method = g_strdup (method);

  /* positional params: an object is one parameter */
  {
    JsonArray *all = json_array_new ();
    if (params && JSON_NODE_HOLDS_ARRAY (params))
      {
        JsonArray *a = json_node_get_array (params);
        for (guint i = 0; i < json_array_get_length (a); i++)
          json_array_add_element (all, json_node_copy (json_array_get_element (a, i)));
      }
    else if (params && JSON_NODE_HOLDS_OBJECT (params))
      json_array_add_element (all, json_node_copy (params));
    call->args = all;
  }
  nparams = json_array_get_length (call->args);

  if (strcmp (method, "system.listMethods") == 0)
    {
      h_list_methods (call);
      return;
    }

  if (!resolve_method (sim, method, &async, &call->cls, &call->m))
    {
      /* with parameters, xapi checks the session first (host extensions) */
      if (nparams >= 1)
        {
          const char *s = json_node_get_value_type (json_array_get_element (call->args, 0)) == G_TYPE_STRING
                          && JSON_NODE_HOLDS_VALUE (json_array_get_element (call->args, 0))
                          ? json_array_get_string_element (call->args, 0) : NULL;
          if (s && g_str_has_prefix (s, "OpaqueRef:") && sim_session_get (sim, s) == NULL)
            {
              sim_call_failf (call, "SESSION_INVALID", s, NULL);
              return;
            }
        }
      sim_call_failf (call, "MESSAGE_METHOD_UNKNOWN", method, NULL);
      return;
    }

  received = call->m->has_session ? (nparams > 0 ? nparams - 1 : 0) : nparams;
  if (!(received == call->m->params->len
        || (call->m->min_params < call->m->params->len && received >= call->m->min_params)))
    {
      g_autofree char *e = g_strdup_printf ("%u", call->m->params->len);
      g_autofree char *r = g_strdup_printf ("%u", received);
      sim_call_failf (call, "MESSAGE_PARAMETER_COUNT_MISMATCH", call->m->wire, e, r, NULL);
      return;
    }

  /* pool members refuse logins and session calls */
  if (host != sim->master && (call->m->has_session || strcmp (call->m->name, "login_with_password") == 0))
    {
      sim_call_failf (call, "HOST_IS_SLAVE", sim_row_str (sim_master (sim), "address"), NULL);
      return;
    }

  if (call->m->has_session)
    {
      JsonNode *s = json_array_get_element (call->args, 0);
      SimRow *session = NULL;
      const char *sref = JSON_NODE_HOLDS_VALUE (s) && json_node_get_value_type (s) == G_TYPE_STRING
                         ? json_node_get_string (s) : "";

      call->session_ref = g_strdup (sref);
      session = sim_session_get (sim, sref);
      if (session == NULL)
        {
          sim_call_failf (call, "SESSION_INVALID", sref, NULL);
          return;
        }
      call->read_only = !sim_row_bool (session, "is_local_superuser");
      json_array_remove_element (call->args, 0);
    }

  /* type-check and canonicalise the parameters */
  for (guint i = 0; i < json_array_get_length (call->args) && i < call->m->params->len; i++)
    {
      SimType *t = call->m->params->pdata[i];
      char *err = NULL;
      JsonNode *c = sim_coerce (sim->model, t, json_array_get_element (call->args, i), &err);
      if (c == NULL && err)
        {
          g_autofree char *m = g_strdup_printf ("%s (parameter %s)", err, (char *) call->m->param_names->pdata[i]);
          g_free (err);
          sim_call_failf (call, strstr (m, "UTF-8") ? "INVALID_VALUE" : "INTERNAL_ERROR", m, NULL);
          return;
        }
      {
        /* replace in place */
        JsonArray *a = call->args;
        JsonArray *b = json_array_new ();
        for (guint k = 0; k < json_array_get_length (a); k++)
          json_array_add_element (b, k == i ? (c ? c : json_node_new (JSON_NODE_NULL))
                                            : json_node_ref (json_array_get_element (a, k)));
        json_array_unref (a);
        call->args = b;
      }
    }

  if (call->read_only && !call->m->read_only && strcmp (call->cls->name, "session") != 0)
    {
      sim_call_failf (call, "RBAC_PERMISSION_DENIED", call->m->wire, "No permission in user session", NULL);
      return;
    }

  if (async && !call->m->async)
    {
      g_autofree char *f = g_strdup_printf ("No async mode for this operation (rpc: %s)", call->m->wire);
      sim_call_failf (call, "Fault", f, NULL);
      return;
    }

  fail = take_fail_next (sim, call->m);

  if (call->m->async)
    {
      SimRow *task = sim_task_new (sim, async ? method : call->m->wire, host);
      call->task_ref = g_strdup (task->ref);
      if (async)
        {
          /* answer with the task at once; the call continues without a message */
          GString *out = reply_result_begin (call);
          SoupServerMessage *m = call->msg;
          call->async = TRUE;
          sim_write_string (out, task->ref);
          reply_result_end (call, out);
          send_body (call, out);
          call->msg = NULL;
          g_object_unref (m);
        }
    }

  if (fail)
    sim_call_fail (call, g_strdupv (fail->error));
  else
    dispatch (call);
  /* not answered yet: the reply comes later */
  if (g_object_get_data (G_OBJECT (msg), "sim-replied") == NULL)
    msg_pause (msg);
}

void
sim_rpc_init (Sim *sim)
{
  sim_register (sim, "session.login_with_password", h_login);
  sim_register (sim, "session.logout", h_logout);
  sim_register (sim, "event.from", h_event_from);
  sim_register (sim, "event.inject", h_event_inject);
  sim_register (sim, "event.get_current_id", h_event_get_current_id);
  sim_register (sim, "task.cancel", h_task_cancel);
  sim_register (sim, "task.destroy", h_task_destroy);
  sim_register (sim, "task.create", h_task_create);
  sim->ops = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, op_free);
}

