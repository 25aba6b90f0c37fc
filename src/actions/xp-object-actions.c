/* xp-object-actions.c: the "obj.*" actions on the selected XAPI objects
 *
 * Every action is described by a row of a table: which kinds of object it
 * applies to, which allowed_operations entry / power states it needs, and the
 * XenAPI calls it makes.  Calls run as Async.* tasks followed to completion
 * (xapi-task-ops.h), one job per selected object; a job is a list of steps
 * where a step may use the result of the previous one (clone → provision →
 * start).  Results and failures are reported with the "toast" signal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "xp-object-actions.h"
#include "xapi-classes.h"
#include "xapi-task-ops.h"
#include "xapi-error.h"
#include "pages/xp-page-util.h"
#include "dialogs/xp-properties-dialog.h"

struct _XpObjectActions
{
  GObject             parent_instance;

  GtkWindow          *parent;      /* weak */
  GSimpleActionGroup *group;
  GPtrArray          *selection;   /* XapiObject, owned */
  GArray             *handlers;    /* gulong per selection item */
  GHashTable         *related;     /* objects the predicates read (VBDs, PBDs, pool) -> handler */
  guint               update_id;
  guint               n_running;
};

G_DEFINE_FINAL_TYPE (XpObjectActions, xp_object_actions, G_TYPE_OBJECT)

enum { SIGNAL_TOAST, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct _Def Def;
typedef void     (*RunFunc)   (XpObjectActions *self,
                               const Def       *def,
                               GPtrArray       *objects,
                               const char      *param);
typedef gboolean (*AllowFunc) (XapiObject      *object);

enum {
  F_CONFIRM     = 1 << 0,
  F_DESTRUCTIVE = 1 << 1,
  F_PARAM       = 1 << 2,   /* string parameter (a ref) */
  F_HIDDEN      = 1 << 3,   /* not in context menus (used by pages) */
  F_SINGLE      = 1 << 4,   /* one object at a time; a section of its own in menus */
};

struct _Def
{
  const char *name;
  const char *label;
  guint       kinds;
  const char *op;       /* required allowed_operations entry, or NULL */
  const char *states;   /* "|Halted|Suspended|" or NULL */
  const char *method;   /* single-step actions: method and parameter spec */
  const char *spec;
  guint       flags;
  const char *confirm;  /* heading of the confirmation */
  const char *done;     /* toast on success; "{}" is the object's name */
  AllowFunc   allow;
  RunFunc     run;
};

/* ------------------------------------------------------------------------ */
/* Jobs: a list of calls on one connection                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  char    *method;   /* "!" prefix: plain call, else Async task */
  char    *spec;     /* r ref, a arg, b arg2, p param, R previous result, f/t bools,
                        e empty map, L {"live":"true"}, i arg as int, J arg as JSON,
                        z empty string */
  char    *ref;
  char    *arg;
  char    *arg2;
} Step;

typedef struct {
  XpObjectActions *self;
  XapiConnection  *conn;
  GPtrArray       *steps;
  guint            next;
  char            *prev;
  char            *done_text;
  char            *what;     /* "Start “web-01”" for failures */
  char            *undo;     /* on failure, call this on the last result (what was made) */
  XapiTask        *task;
} Job;

static void
step_free (gpointer data)
{
  Step *s = data;

  g_free (s->method);
  g_free (s->spec);
  g_free (s->ref);
  g_free (s->arg);
  g_free (s->arg2);
  g_free (s);
}

static Job *
job_new (XpObjectActions *self,
         XapiObject      *object,
         const char      *label,
         const char      *done_text)
{
  Job *job = g_new0 (Job, 1);

  job->self = g_object_ref (self);
  job->conn = g_object_ref (xapi_object_get_connection (object));
  job->steps = g_ptr_array_new_with_free_func (step_free);
  job->what = g_strdup_printf ("%s “%s”", label, xp_object_name (object));
  job->done_text = g_strdup (done_text);
  return job;
}

static void
job_add (Job        *job,
         const char *method,
         const char *spec,
         const char *ref,
         const char *arg,
         const char *arg2)
{
  Step *s = g_new0 (Step, 1);

  s->method = g_strdup (method);
  s->spec = g_strdup (spec);
  s->ref = g_strdup (ref);
  s->arg = g_strdup (arg);
  s->arg2 = g_strdup (arg2);
  g_ptr_array_add (job->steps, s);
}

static void
job_free (Job *job)
{
  job->self->n_running--;
  g_clear_object (&job->task);
  g_ptr_array_unref (job->steps);
  g_free (job->prev);
  g_free (job->done_text);
  g_free (job->what);
  g_free (job->undo);
  g_object_unref (job->conn);
  g_object_unref (job->self);
  g_free (job);
}

static void
emit_toast (XpObjectActions *self,
            const char      *text)
{
  g_signal_emit (self, signals[SIGNAL_TOAST], 0, text);
}

static void
undo_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);

  if (node != NULL)
    json_node_unref (node);
  if (error != NULL)
    g_message ("undoing a failed action: %s", error->message);
}

static void
job_fail (Job          *job,
          const GError *error)
{
  g_autofree char *sentence = xp_describe_error (error);
  /* Translators: "Start “web-01”: The VM is in the wrong power state." */
  g_autofree char *text = g_strdup_printf (_("%s failed: %s"), job->what, sentence);

  if (job->undo != NULL && job->prev != NULL)
    {
      JsonArray *params = json_array_new ();

      json_array_add_string_element (params, job->prev);
      xapi_connection_call_async (job->conn, job->undo, params, NULL, undo_cb, NULL);
    }
  emit_toast (job->self, text);
  job_free (job);
}

static JsonArray *
step_params (Step *s,
             Job  *job)
{
  JsonArray *a = json_array_new ();

  for (const char *p = s->spec; p != NULL && *p; p++)
    {
      switch (*p)
        {
        case 'r': json_array_add_string_element (a, s->ref); break;
        case 'a': json_array_add_string_element (a, s->arg ? s->arg : ""); break;
        case 'b': json_array_add_string_element (a, s->arg2 ? s->arg2 : ""); break;
        case 'R': json_array_add_string_element (a, job->prev ? job->prev : "OpaqueRef:NULL"); break;
        case 'f': json_array_add_boolean_element (a, FALSE); break;
        case 't': json_array_add_boolean_element (a, TRUE); break;
        case 'e': json_array_add_object_element (a, json_object_new ()); break;
        case 'z': json_array_add_string_element (a, ""); break;
        case 'L':
          {
            JsonObject *o = json_object_new ();
            json_object_set_string_member (o, "live", "true");
            json_array_add_object_element (a, o);
          }
          break;
        case 'i': json_array_add_int_element (a, g_ascii_strtoll (s->arg ? s->arg : "0", NULL, 10)); break;
        case 'J':
          {
            JsonNode *node = json_from_string (s->arg, NULL);
            /* the record may refer to the previous result */
            if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) && job->prev != NULL)
              {
                JsonObject *o = json_node_get_object (node);
                GList *members = json_object_get_members (o);
                for (GList *l = members; l != NULL; l = l->next)
                  {
                    JsonNode *m = json_object_get_member (o, l->data);
                    if (JSON_NODE_HOLDS_VALUE (m) && json_node_get_value_type (m) == G_TYPE_STRING
                        && g_str_equal (json_node_get_string (m), "@R"))
                      json_object_set_string_member (o, l->data, job->prev);
                  }
                g_list_free (members);
              }
            json_array_add_element (a, node != NULL ? node : json_node_new (JSON_NODE_NULL));
          }
          break;
        default:
          g_warn_if_reached ();
        }
    }
  return a;
}

static void job_next (Job *job);

static void
job_set_prev (Job      *job,
              JsonNode *result)
{
  g_autofree char *ref = result != NULL ? xapi_task_result_dup_ref (result) : NULL;

  if (ref != NULL && g_str_has_prefix (ref, "OpaqueRef:"))
    {
      g_free (job->prev);
      job->prev = g_steal_pointer (&ref);
    }
}

static void
job_wait_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);

  g_clear_object (&job->task);
  if (node == NULL && error != NULL)
    {
      job_fail (job, error);
      return;
    }
  job_set_prev (job, node);
  if (node != NULL)
    json_node_unref (node);
  job_next (job);
}

static void
job_task_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  XapiTask *task = xapi_connection_call_as_task_finish (XAPI_CONNECTION (source), result, &error);

  if (task == NULL)
    {
      job_fail (job, error);
      return;
    }
  job->task = task;
  xapi_task_wait_async (task, TRUE, NULL, job_wait_cb, job);
}

static void
job_call_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);

  if (node == NULL && error != NULL)
    {
      job_fail (job, error);
      return;
    }
  job_set_prev (job, node);
  if (node != NULL)
    json_node_unref (node);
  job_next (job);
}

static void
job_next (Job *job)
{
  Step *s;
  JsonArray *params;

  if (job->next >= job->steps->len)
    {
      if (job->done_text != NULL)
        emit_toast (job->self, job->done_text);
      job_free (job);
      return;
    }
  s = g_ptr_array_index (job->steps, job->next++);
  params = step_params (s, job);
  if (s->method[0] == '!')
    xapi_connection_call_async (job->conn, s->method + 1, params, NULL, job_call_cb, job);
  else
    xapi_connection_call_as_task_async (job->conn, s->method, params, NULL, job_task_cb, job);
}

static void
job_start (Job *job)
{
  job->self->n_running++;
  job_next (job);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static char *
fill_name (const char *format,
           XapiObject *object)
{
  g_autoptr(GString) s = g_string_new (format);

  g_string_replace (s, "{}", xp_object_name (object), 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Run the single-step action @def on @object. */
static void
run_simple_one (XpObjectActions *self,
                const Def       *def,
                XapiObject      *object,
                const char      *param)
{
  g_autofree char *done = def->done ? fill_name (_(def->done), object) : NULL;
  Job *job = job_new (self, object, _(def->label), done);

  job_add (job, def->method, def->spec, xapi_object_get_ref (object), param, NULL);
  /* 'p' is the parameter; it is stored as arg */
  if (strchr (def->spec, 'p') != NULL)
    {
      Step *s = g_ptr_array_index (job->steps, 0);
      g_strdelimit (s->spec, "p", 'a');
    }
  job_start (job);
}

static void
run_simple (XpObjectActions *self,
            const Def       *def,
            GPtrArray       *objects,
            const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    run_simple_one (self, def, g_ptr_array_index (objects, i), param);
}

static XapiObject *
find_cd_vbd (XapiObject *vm)
{
  g_autoptr(GPtrArray) vbds = xp_follow_set (vm, "VBDs");

  for (guint i = 0; i < vbds->len; i++)
    {
      XapiObject *vbd = g_ptr_array_index (vbds, i);
      if (g_str_equal (xp_field_enum (vbd, "type"), "CD"))
        return vbd;
    }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Predicates                                                                */
/* ------------------------------------------------------------------------ */

static gboolean
allow_has_cd (XapiObject *vm)
{
  XapiObject *cd = find_cd_vbd (vm);

  return cd != NULL && xp_field_bool (cd, "empty");
}

static gboolean
allow_cd_loaded (XapiObject *vm)
{
  XapiObject *cd = find_cd_vbd (vm);

  return cd != NULL && !xp_field_bool (cd, "empty");
}

static gboolean
allow_ha_enabled (XapiObject *pool)
{
  return xp_field_bool (pool, "ha_enabled");
}

static gboolean
allow_host_enabled (XapiObject *host)
{
  return xp_field_bool (host, "enabled");
}

static gboolean
allow_host_disabled (XapiObject *host)
{
  return !xp_field_bool (host, "enabled");
}

static gboolean
allow_delete (XapiObject *vm)
{
  XpKind kind = xp_object_kind (vm);

  if (kind == XP_KIND_VM)
    return g_str_equal (xp_field_enum (vm, "power_state"), "Halted")
           && xp_strv_has (xp_field_strv (vm, "allowed_operations"), "destroy");
  return TRUE;
}

static gboolean
sr_pbds_match (XapiObject *sr,
               gboolean    attached)
{
  g_autoptr(GPtrArray) pbds = xp_follow_set (sr, "PBDs");

  for (guint i = 0; i < pbds->len; i++)
    if (xp_field_bool (g_ptr_array_index (pbds, i), "currently_attached") == attached)
      return TRUE;
  return FALSE;
}

static gboolean
allow_sr_repair (XapiObject *sr)
{
  return sr_pbds_match (sr, FALSE);
}

static gboolean
allow_sr_detach (XapiObject *sr)
{
  return sr_pbds_match (sr, TRUE);
}

static gboolean
allow_sr_set_default (XapiObject *sr)
{
  XapiCache *cache = xp_object_cache (sr);
  XapiObject *pool = cache != NULL ? xapi_cache_get_pool (cache) : NULL;

  if (g_str_equal (xp_field_str (sr, "content_type"), "iso"))
    return FALSE;
  return pool != NULL && g_strcmp0 (xp_field_str (pool, "default_SR"), xapi_object_get_ref (sr)) != 0;
}

/* ------------------------------------------------------------------------ */
/* Custom runs                                                               */
/* ------------------------------------------------------------------------ */

static void
run_copy_like (XpObjectActions *self,
               const Def       *def,
               GPtrArray       *objects,
               const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *vm = g_ptr_array_index (objects, i);
      g_autofree char *done = fill_name (_(def->done), vm);
      Job *job = job_new (self, vm, _(def->label), done);
      const char *ref = xapi_object_get_ref (vm);

      if (g_str_equal (def->name, "clone"))
        {
          g_autofree char *name = fill_name (_("{} (clone)"), vm);
          job_add (job, "VM.clone", "ra", ref, name, NULL);
        }
      else if (g_str_equal (def->name, "copy"))
        {
          g_autofree char *name = fill_name (_("Copy of {}"), vm);
          g_autoptr(GPtrArray) vbds = xp_follow_set (vm, "VBDs");
          const char *sr = "OpaqueRef:NULL";
          for (guint j = 0; j < vbds->len; j++)
            {
              XapiObject *vdi = xp_follow (g_ptr_array_index (vbds, j), "VDI");
              if (vdi != NULL)
                {
                  sr = xp_field_str (vdi, "SR");
                  break;
                }
            }
          job_add (job, "VM.copy", "rab", ref, name, sr);
        }
      else /* snapshot */
        {
          g_autoptr(GDateTime) now = g_date_time_new_now_local ();
          g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
          g_autofree char *fmt = g_strdup_printf (_("{} snapshot %s"), stamp);
          g_autofree char *name = fill_name (fmt, vm);
          job_add (job, "VM.snapshot", "ra", ref, name, NULL);
        }
      job_start (job);
    }
}

static void
run_cd (XpObjectActions *self,
        const Def       *def,
        GPtrArray       *objects,
        const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *vm = g_ptr_array_index (objects, i);
      XapiObject *cd = find_cd_vbd (vm);
      g_autofree char *done = fill_name (_(def->done), vm);
      Job *job;

      if (cd == NULL)
        continue;
      job = job_new (self, vm, _(def->label), done);
      if (g_str_equal (def->name, "insert-iso"))
        job_add (job, "VBD.insert", "ra", xapi_object_get_ref (cd), param, NULL);
      else
        job_add (job, "VBD.eject", "r", xapi_object_get_ref (cd), NULL, NULL);
      job_start (job);
    }
}

static void
run_host (XpObjectActions *self,
          const Def       *def,
          GPtrArray       *objects,
          const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *host = g_ptr_array_index (objects, i);
      const char *ref = xapi_object_get_ref (host);
      g_autofree char *done = fill_name (_(def->done), host);
      Job *job = job_new (self, host, _(def->label), done);

      if (g_str_equal (def->name, "host-enable") || g_str_equal (def->name, "exit-maintenance"))
        job_add (job, "host.enable", "r", ref, NULL, NULL);
      else
        {
          if (xp_field_bool (host, "enabled"))
            job_add (job, "host.disable", "r", ref, NULL, NULL);
          if (g_str_equal (def->name, "maintenance"))
            job_add (job, "host.evacuate", "r", ref, NULL, NULL);
          else if (g_str_equal (def->name, "host-reboot"))
            job_add (job, "host.reboot", "r", ref, NULL, NULL);
          else if (g_str_equal (def->name, "host-shutdown"))
            job_add (job, "host.shutdown", "r", ref, NULL, NULL);
        }
      job_start (job);
    }
}

static void
run_sr (XpObjectActions *self,
        const Def       *def,
        GPtrArray       *objects,
        const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *sr = g_ptr_array_index (objects, i);
      g_autofree char *done = fill_name (_(def->done), sr);
      Job *job = job_new (self, sr, _(def->label), done);

      if (g_str_equal (def->name, "sr-set-default"))
        {
          XapiObject *pool = xapi_cache_get_pool (xp_object_cache (sr));
          if (pool != NULL)
            job_add (job, "!pool.set_default_SR", "ra", xapi_object_get_ref (pool),
                     xapi_object_get_ref (sr), NULL);
        }
      else
        {
          g_autoptr(GPtrArray) pbds = xp_follow_set (sr, "PBDs");
          gboolean repair = g_str_equal (def->name, "sr-repair");
          for (guint j = 0; j < pbds->len; j++)
            {
              XapiObject *pbd = g_ptr_array_index (pbds, j);
              gboolean attached = xp_field_bool (pbd, "currently_attached");
              if (repair && !attached)
                job_add (job, "PBD.plug", "r", xapi_object_get_ref (pbd), NULL, NULL);
              else if (!repair && attached)
                job_add (job, "PBD.unplug", "r", xapi_object_get_ref (pbd), NULL, NULL);
            }
        }
      job_start (job);
    }
}

static void
run_detach_vbd (XpObjectActions *self,
                const Def       *def,
                GPtrArray       *objects,
                const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *dev = g_ptr_array_index (objects, i);
      gboolean is_vif = xp_object_kind (dev) == XP_KIND_VIF;
      XapiObject *target = xp_follow (dev, is_vif ? "network" : "VDI");
      const char *ref = xapi_object_get_ref (dev);
      g_autofree char *done = fill_name (_(def->done), target != NULL ? target : dev);
      Job *job = job_new (self, target != NULL ? target : dev, _(def->label), done);

      if (xp_field_bool (dev, "currently_attached"))
        job_add (job, is_vif ? "VIF.unplug" : "VBD.unplug", "r", ref, NULL, NULL);
      job_add (job, is_vif ? "VIF.destroy" : "VBD.destroy", "r", ref, NULL, NULL);
      job_start (job);
    }
}

/* Device numbers: one more than the highest in use. */
static char *
next_device (XapiObject *vm,
             const char *set_field,
             const char *device_field)
{
  g_autoptr(GPtrArray) devs = xp_follow_set (vm, set_field);
  gint64 next = 0;

  for (guint i = 0; i < devs->len; i++)
    {
      gint64 n = g_ascii_strtoll (xp_field_str (g_ptr_array_index (devs, i), device_field), NULL, 10);
      next = MAX (next, n + 1);
    }
  return g_strdup_printf ("%" G_GINT64_FORMAT, next);
}

static char *
vbd_record (XapiObject *vm,
            const char *vdi_ref)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *dev = next_device (vm, "VBDs", "userdevice");
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "VM"); json_builder_add_string_value (b, xapi_object_get_ref (vm));
  json_builder_set_member_name (b, "VDI"); json_builder_add_string_value (b, vdi_ref);
  json_builder_set_member_name (b, "userdevice"); json_builder_add_string_value (b, dev);
  json_builder_set_member_name (b, "bootable"); json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "mode"); json_builder_add_string_value (b, "RW");
  json_builder_set_member_name (b, "type"); json_builder_add_string_value (b, "Disk");
  json_builder_set_member_name (b, "empty"); json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "unpluggable"); json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "other_config"); json_builder_begin_object (b); json_builder_end_object (b);
  json_builder_set_member_name (b, "qos_algorithm_type"); json_builder_add_string_value (b, "");
  json_builder_set_member_name (b, "qos_algorithm_params"); json_builder_begin_object (b); json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static void
job_add_plug_if_running (Job        *job,
                         XapiObject *vm,
                         const char *method)
{
  if (g_str_equal (xp_field_enum (vm, "power_state"), "Running"))
    job_add (job, method, "R", NULL, NULL, NULL);
}

static void
run_attach (XpObjectActions *self,
            const Def       *def,
            GPtrArray       *objects,
            const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *vm = g_ptr_array_index (objects, i);
      g_autofree char *done = fill_name (_(def->done), vm);
      Job *job = job_new (self, vm, _(def->label), done);

      if (g_str_equal (def->name, "attach-disk"))
        {
          g_autofree char *rec = vbd_record (vm, param);
          job_add (job, "!VBD.create", "J", NULL, rec, NULL);
          job_add_plug_if_running (job, vm, "VBD.plug");
        }
      else
        {
          g_autoptr(JsonBuilder) b = json_builder_new ();
          g_autofree char *dev = next_device (vm, "VIFs", "device");
          XapiObject *net = xapi_cache_lookup (xp_object_cache (vm), param);
          g_autoptr(JsonNode) root = NULL;
          g_autofree char *rec = NULL;

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "device"); json_builder_add_string_value (b, dev);
          json_builder_set_member_name (b, "network"); json_builder_add_string_value (b, param);
          json_builder_set_member_name (b, "VM"); json_builder_add_string_value (b, xapi_object_get_ref (vm));
          json_builder_set_member_name (b, "MAC"); json_builder_add_string_value (b, "");
          json_builder_set_member_name (b, "MTU");
          json_builder_add_int_value (b, net != NULL && xp_field_int (net, "MTU") > 0 ? xp_field_int (net, "MTU") : 1500);
          json_builder_set_member_name (b, "other_config"); json_builder_begin_object (b); json_builder_end_object (b);
          json_builder_set_member_name (b, "qos_algorithm_type"); json_builder_add_string_value (b, "");
          json_builder_set_member_name (b, "qos_algorithm_params"); json_builder_begin_object (b); json_builder_end_object (b);
          json_builder_end_object (b);
          root = json_builder_get_root (b);
          rec = json_to_string (root, FALSE);
          job_add (job, "!VIF.create", "J", NULL, rec, NULL);
          job_add_plug_if_running (job, vm, "VIF.plug");
        }
      job_start (job);
    }
}

/* ---- dialogs ---- */

typedef struct {
  XpObjectActions *self;
  const Def       *def;
  GPtrArray       *objects;
  char            *param;
  GPtrArray       *checks;   /* GtkCheckButton with "xp-ref"/"xp-owner" data (delete) */
  GtkWidget       *entry;    /* text entry (rename, new VM, resize) */
  GtkWidget       *toggle;   /* "start" switch (new VM) */
} Pending;

static void
pending_free (Pending *p)
{
  g_object_unref (p->self);
  g_ptr_array_unref (p->objects);
  g_free (p->param);
  g_clear_pointer (&p->checks, g_ptr_array_unref);
  g_free (p);
}

static Pending *
pending_new (XpObjectActions *self,
             const Def       *def,
             GPtrArray       *objects,
             const char      *param)
{
  Pending *p = g_new0 (Pending, 1);

  p->self = g_object_ref (self);
  p->def = def;
  p->objects = g_ptr_array_ref (objects);
  p->param = g_strdup (param);
  return p;
}

static GtkWidget *
message_dialog (XpObjectActions *self,
                const char      *heading,
                const char      *body,
                const char      *ok_label,
                gboolean         destructive)
{
  GtkWidget *dialog = adw_message_dialog_new (self->parent, heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "ok", ok_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "ok",
                                              destructive ? ADW_RESPONSE_DESTRUCTIVE
                                                          : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  return dialog;
}

static char *
names_of (GPtrArray *objects)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < objects->len && i < 10; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, "“%s”", xp_object_name (g_ptr_array_index (objects, i)));
    }
  if (objects->len > 10)
    g_string_append_printf (s, _(" and %u more"), objects->len - 10);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void run_now (XpObjectActions *self, const Def *def, GPtrArray *objects, const char *param);

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  Pending *p = user_data;

  if (g_str_equal (response, "ok"))
    run_now (p->self, p->def, p->objects, p->param);
  pending_free (p);
}

static void
confirm_then_run (XpObjectActions *self,
                  const Def       *def,
                  GPtrArray       *objects,
                  const char      *param)
{
  g_autofree char *names = names_of (objects);
  GtkWidget *dialog = message_dialog (self, _(def->confirm), names,
                                      _(def->label), (def->flags & F_DESTRUCTIVE) != 0);

  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb),
                    pending_new (self, def, objects, param));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Delete VMs, templates, snapshots: list their disks and snapshots. */

static GtkWidget *
check_row (GtkWidget  *list,
           Pending    *p,
           const char *title,
           const char *subtitle,
           XapiObject *owner,
           XapiObject *target,
           gboolean    active)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), active);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data_full (G_OBJECT (check), "xp-owner", g_object_ref (owner), g_object_unref);
  g_object_set_data_full (G_OBJECT (check), "xp-target", g_object_ref (target), g_object_unref);
  g_ptr_array_add (p->checks, g_object_ref (check));
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  return row;
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    gpointer          user_data)
{
  Pending *p = user_data;

  if (g_str_equal (response, "ok"))
    {
      for (guint i = 0; i < p->objects->len; i++)
        {
          XapiObject *vm = g_ptr_array_index (p->objects, i);
          g_autofree char *done = fill_name (_("“{}” deleted"), vm);
          Job *job = job_new (p->self, vm, _("Delete"), done);

          /* snapshots first (they reference the disks' parents), then the VM, then its disks */
          for (guint j = 0; j < p->checks->len; j++)
            {
              GtkWidget *check = g_ptr_array_index (p->checks, j);
              XapiObject *target = g_object_get_data (G_OBJECT (check), "xp-target");
              if (g_object_get_data (G_OBJECT (check), "xp-owner") == (gpointer) vm
                  && gtk_check_button_get_active (GTK_CHECK_BUTTON (check))
                  && xp_object_kind (target) == XP_KIND_SNAPSHOT)
                job_add (job, "VM.destroy", "r", xapi_object_get_ref (target), NULL, NULL);
            }
          job_add (job, "VM.destroy", "r", xapi_object_get_ref (vm), NULL, NULL);
          for (guint j = 0; j < p->checks->len; j++)
            {
              GtkWidget *check = g_ptr_array_index (p->checks, j);
              XapiObject *target = g_object_get_data (G_OBJECT (check), "xp-target");
              if (g_object_get_data (G_OBJECT (check), "xp-owner") == (gpointer) vm
                  && gtk_check_button_get_active (GTK_CHECK_BUTTON (check))
                  && xp_object_kind (target) == XP_KIND_VDI)
                job_add (job, "VDI.destroy", "r", xapi_object_get_ref (target), NULL, NULL);
            }
          job_start (job);
        }
    }
  pending_free (p);
}

static void
run_delete (XpObjectActions *self,
            const Def       *def,
            GPtrArray       *objects,
            const char      *param)
{
  Pending *p = pending_new (self, def, objects, param);
  g_autofree char *names = names_of (objects);
  GtkWidget *dialog = message_dialog (self, _("Delete?"), names, _("_Delete"), TRUE);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *label = gtk_label_new (_("Also delete:"));
  guint n = 0;

  p->checks = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_widget_set_halign (label, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Disks and snapshots to delete"), -1);
  gtk_box_append (GTK_BOX (box), list);
  gtk_widget_set_name (list, "delete-list");

  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *vm = g_ptr_array_index (objects, i);
      g_autoptr(GPtrArray) vbds = xp_follow_set (vm, "VBDs");
      g_autoptr(GPtrArray) snaps = xp_follow_set (vm, "snapshots");

      for (guint j = 0; j < vbds->len; j++)
        {
          XapiObject *vbd = g_ptr_array_index (vbds, j);
          XapiObject *vdi = xp_follow (vbd, "VDI");
          g_autofree char *size = NULL;
          g_autofree char *sub = NULL;
          gboolean shared;
          if (vdi == NULL || !g_str_equal (xp_field_enum (vbd, "type"), "Disk"))
            continue;
          shared = g_strv_length ((char **) xp_field_strv (vdi, "VBDs")) > 1;
          size = xp_format_bytes (xp_field_int (vdi, "virtual_size"));
          sub = g_strdup_printf (shared ? _("Disk of “%s”, %s, also used by other VMs")
                                        : _("Disk of “%s”, %s"),
                                 xp_object_name (vm), size);
          check_row (list, p, xp_object_name (vdi), sub, vm, vdi, !shared);
          n++;
        }
      for (guint j = 0; j < snaps->len; j++)
        {
          XapiObject *snap = g_ptr_array_index (snaps, j);
          g_autofree char *sub = g_strdup_printf (_("Snapshot of “%s”"), xp_object_name (vm));
          check_row (list, p, xp_object_name (snap), sub, vm, snap, FALSE);
          n++;
        }
    }
  if (n > 0)
    adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  else
    g_object_ref_sink (box), g_object_unref (box);
  g_signal_connect (dialog, "response", G_CALLBACK (delete_response_cb), p);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Dialogs with one text entry: rename pool, new VM from template/snapshot, resize. */

static void
entry_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  Pending *p = user_data;
  const char *text = p->entry != NULL ? gtk_editable_get_text (GTK_EDITABLE (p->entry)) : "";
  const char *name = p->def->name;

  if (g_str_equal (response, "ok") && *text != '\0')
    {
      for (guint i = 0; i < p->objects->len; i++)
        {
          XapiObject *obj = g_ptr_array_index (p->objects, i);
          const char *ref = xapi_object_get_ref (obj);
          g_autofree char *done = fill_name (_(p->def->done), obj);
          Job *job = job_new (p->self, obj, _(p->def->label), done);

          if (g_str_equal (name, "pool-rename"))
            job_add (job, "!pool.set_name_label", "ra", ref, text, NULL);
          else if (g_str_equal (name, "add-disk"))
            {
              double gib = g_ascii_strtod (text, NULL);
              XapiObject *pool = xapi_cache_get_pool (xp_object_cache (obj));
              const char *sr = pool != NULL ? xp_field_str (pool, "default_SR") : "OpaqueRef:NULL";
              g_autoptr(JsonBuilder) b = json_builder_new ();
              g_autoptr(JsonNode) root = NULL;
              g_autofree char *rec = NULL;
              g_autofree char *vbd = vbd_record (obj, "@R");
              g_autofree char *disk_name = fill_name (_("{} disk"), obj);

              json_builder_begin_object (b);
              json_builder_set_member_name (b, "name_label"); json_builder_add_string_value (b, disk_name);
              json_builder_set_member_name (b, "name_description"); json_builder_add_string_value (b, "");
              json_builder_set_member_name (b, "SR"); json_builder_add_string_value (b, sr);
              json_builder_set_member_name (b, "virtual_size");
              json_builder_add_int_value (b, (gint64) (gib * 1024.0 * 1024.0 * 1024.0));
              json_builder_set_member_name (b, "type"); json_builder_add_string_value (b, "user");
              json_builder_set_member_name (b, "sharable"); json_builder_add_boolean_value (b, FALSE);
              json_builder_set_member_name (b, "read_only"); json_builder_add_boolean_value (b, FALSE);
              json_builder_set_member_name (b, "other_config"); json_builder_begin_object (b); json_builder_end_object (b);
              json_builder_set_member_name (b, "xenstore_data"); json_builder_begin_object (b); json_builder_end_object (b);
              json_builder_set_member_name (b, "sm_config"); json_builder_begin_object (b); json_builder_end_object (b);
              json_builder_set_member_name (b, "tags"); json_builder_begin_array (b); json_builder_end_array (b);
              json_builder_end_object (b);
              root = json_builder_get_root (b);
              rec = json_to_string (root, FALSE);
              job_add (job, "!VDI.create", "J", NULL, rec, NULL);
              job_add (job, "!VBD.create", "J", NULL, vbd, NULL);
              job_add_plug_if_running (job, obj, "VBD.plug");
            }
          else if (g_str_equal (name, "resize-disk"))
            {
              double gib = g_ascii_strtod (text, NULL);
              g_autofree char *bytes = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                        (gint64) (gib * 1024.0 * 1024.0 * 1024.0));
              job_add (job, "VDI.resize", "ri", ref, bytes, NULL);
            }
          else
            {
              job_add (job, "VM.clone", "ra", ref, text, NULL);
              job_add (job, "VM.provision", "R", NULL, NULL, NULL);
              /* the clone of a template or snapshot is a template itself */
              job_add (job, "!VM.set_is_a_template", "Rf", NULL, NULL, NULL);
              if (p->toggle != NULL && gtk_check_button_get_active (GTK_CHECK_BUTTON (p->toggle)))
                job_add (job, "VM.start", "Rff", NULL, NULL, NULL);
            }
          job_start (job);
        }
    }
  pending_free (p);
}

static void
run_entry_dialog (XpObjectActions *self,
                  const Def       *def,
                  GPtrArray       *objects,
                  const char      *param)
{
  Pending *p = pending_new (self, def, objects, param);
  XapiObject *first = g_ptr_array_index (objects, 0);
  g_autofree char *names = names_of (objects);
  GtkWidget *dialog;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  const char *entry_label;
  g_autofree char *initial = NULL;

  if (g_str_equal (def->name, "pool-rename"))
    {
      entry_label = _("New name");
      initial = g_strdup (xp_object_name (first));
    }
  else if (g_str_equal (def->name, "add-disk"))
    {
      entry_label = _("Size of the new disk in GiB");
      initial = g_strdup ("10");
    }
  else if (g_str_equal (def->name, "resize-disk"))
    {
      entry_label = _("New size in GiB");
      initial = g_strdup_printf ("%.1f", xp_field_int (first, "virtual_size") / 1073741824.0);
    }
  else
    {
      entry_label = _("Name of the new VM");
      initial = fill_name (_("New VM from {}"), first);
    }
  dialog = message_dialog (self, _(def->confirm), names, _(def->label), FALSE);
  p->entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (p->entry), initial);
  gtk_entry_set_activates_default (GTK_ENTRY (p->entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (p->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, entry_label, -1);
  gtk_entry_set_placeholder_text (GTK_ENTRY (p->entry), entry_label);
  gtk_box_append (GTK_BOX (box), p->entry);
  if (g_str_has_prefix (def->name, "new-vm"))
    {
      p->toggle = gtk_check_button_new_with_mnemonic (_("_Start the new VM"));
      gtk_check_button_set_active (GTK_CHECK_BUTTON (p->toggle), TRUE);
      gtk_box_append (GTK_BOX (box), p->toggle);
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "ok");
  g_signal_connect (dialog, "response", G_CALLBACK (entry_response_cb), p);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Maintenance mode: first ask the server which VMs would block evacuation. */

typedef struct {
  Pending    *p;
  XapiObject *host;
} BlockCheck;

static void
blockers_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  BlockCheck *bc = user_data;
  Pending *p = bc->p;
  g_autoptr(GError) error = NULL;
  JsonNode *node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *o = json_node_get_object (node);
      GList *members = json_object_get_members (o);
      XapiCache *cache = xp_object_cache (bc->host);
      for (GList *l = members; l != NULL; l = l->next)
        {
          XapiObject *vm = cache != NULL ? xapi_cache_lookup (cache, l->data) : NULL;
          JsonNode *why = json_object_get_member (o, l->data);
          const char *code = "";
          if (JSON_NODE_HOLDS_ARRAY (why) && json_array_get_length (json_node_get_array (why)) > 0)
            code = json_array_get_string_element (json_node_get_array (why), 0);
          g_string_append_printf (text, "“%s”: %s\n", vm != NULL ? xp_object_name (vm) : (char *) l->data,
                                  code != NULL ? code : "");
        }
      g_list_free (members);
    }
  if (node != NULL)
    json_node_unref (node);

  g_ptr_array_add (one, g_object_ref (bc->host));
  if (text->len > 0)
    {
      g_autofree char *heading = fill_name (_("“{}” cannot enter maintenance mode"), bc->host);
      GtkWidget *dialog = adw_message_dialog_new (p->self->parent, heading, NULL);
      adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                      _("These VMs cannot be moved to another server:\n%s"), text->str);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  else
    confirm_then_run (p->self, p->def, one, NULL);
  g_object_unref (bc->host);
  pending_free (p);
  g_free (bc);
}

static void
run_maintenance (XpObjectActions *self,
                 const Def       *def,
                 GPtrArray       *objects,
                 const char      *param)
{
  for (guint i = 0; i < objects->len; i++)
    {
      XapiObject *host = g_ptr_array_index (objects, i);
      BlockCheck *bc = g_new0 (BlockCheck, 1);
      JsonArray *params = json_array_new ();

      bc->p = pending_new (self, def, objects, param);
      bc->host = g_object_ref (host);
      json_array_add_string_element (params, xapi_object_get_ref (host));
      xapi_connection_call_async (xapi_object_get_connection (host),
                                  "host.get_vms_which_prevent_evacuation", params,
                                  NULL, blockers_cb, bc);
    }
}

/* ------------------------------------------------------------------------ */
/* Properties                                                                */
/* ------------------------------------------------------------------------ */

static void
run_properties (XpObjectActions *self,
                const Def       *def,
                GPtrArray       *objects,
                const char      *param)
{
  if (objects->len == 1)
    xp_properties_dialog_present (self->parent, g_ptr_array_index (objects, 0));
}

/* ------------------------------------------------------------------------ */
/* The table                                                                 */
/* ------------------------------------------------------------------------ */

#define VMK XP_KIND_VM
/* Bonds, from the NICs page of a host.  "bond-create" takes
 * "<mode>\t<MTU>\t<PIF ref>,<PIF ref>…": network.create, then Bond.create
 * of those PIFs on it (a task); if the bond fails the network goes again.
 * "bond-destroy" takes the Bond's ref: a confirmation naming the NICs that
 * become free, then Bond.destroy (a task), then network.destroy of its
 * network when nothing else uses it. */

static char *
pif_devices (XapiCache  *cache,
             char      **refs)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; refs[i] != NULL; i++)
    {
      XapiObject *pif = xapi_cache_lookup (cache, refs[i]);
      g_ptr_array_add (names, (gpointer) (pif != NULL ? xp_field_str (pif, "device") : "?"));
    }
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static void
run_bond_create (XpObjectActions *self,
                 const Def       *def,
                 GPtrArray       *objects,
                 const char      *param)
{
  XapiObject *host = g_ptr_array_index (objects, 0);
  XapiCache *cache = xp_object_cache (host);
  g_auto(GStrv) parts = g_strsplit (param != NULL ? param : "", "\t", 3);
  g_auto(GStrv) members = NULL;
  g_autofree char *devices = NULL;
  g_autofree char *name = NULL;
  g_autofree char *done = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) rec = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *rec_text = NULL;
  g_autofree char *list_text = NULL;
  Job *job;

  if (g_strv_length (parts) != 3 || cache == NULL)
    {
      g_warning ("bond-create: bad parameter");
      return;
    }
  members = g_strsplit (parts[2], ",", -1);
  devices = pif_devices (cache, members);
  /* Translators: the name of the network of a new bond, "Bond eth0, eth1" */
  name = g_strdup_printf (_("Bond %s"), devices);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name_label");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "name_description");
  json_builder_add_string_value (b, "");
  json_builder_set_member_name (b, "MTU");
  json_builder_add_int_value (b, g_ascii_strtoll (parts[1], NULL, 10));
  json_builder_set_member_name (b, "other_config");
  json_builder_begin_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "tags");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  rec = json_builder_get_root (b);
  rec_text = json_to_string (rec, FALSE);

  json_builder_reset (b);
  json_builder_begin_array (b);
  for (guint i = 0; members[i] != NULL; i++)
    json_builder_add_string_value (b, members[i]);
  json_builder_end_array (b);
  list = json_builder_get_root (b);
  list_text = json_to_string (list, FALSE);

  /* Translators: "Bond of eth0, eth1 created on “host-1”" */
  done = g_strdup_printf (_("Bond of %s created on “%s”"), devices, xp_object_name (host));
  job = job_new (self, host, _(def->label), done);
  job->undo = g_strdup ("network.destroy");
  job_add (job, "!network.create", "J", NULL, rec_text, NULL);
  job_add (job, "Bond.create", "RJzbe", NULL, list_text, parts[0]);
  job_start (job);
}

typedef struct {
  XpObjectActions *self;
  XapiObject      *host;
  char            *bond;
  char            *network;   /* to destroy after, or NULL */
  char            *devices;
} BondDelete;

static void
bond_delete_free (BondDelete *d)
{
  g_object_unref (d->self);
  g_object_unref (d->host);
  g_free (d->bond);
  g_free (d->network);
  g_free (d->devices);
  g_free (d);
}

static void
bond_delete_response_cb (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  BondDelete *d = user_data;

  if (g_str_equal (response, "ok"))
    {
      /* Translators: "Bond of eth0, eth1 deleted on “host-1”" */
      g_autofree char *done = g_strdup_printf (_("Bond of %s deleted on “%s”"), d->devices, xp_object_name (d->host));
      Job *job = job_new (d->self, d->host, _("Delete Bond"), done);

      job_add (job, "Bond.destroy", "a", NULL, d->bond, NULL);
      if (d->network != NULL)
        job_add (job, "!network.destroy", "a", NULL, d->network, NULL);
      job_start (job);
    }
  bond_delete_free (d);
}

static void
run_bond_destroy (XpObjectActions *self,
                  const Def       *def,
                  GPtrArray       *objects,
                  const char      *param)
{
  XapiObject *host = g_ptr_array_index (objects, 0);
  XapiCache *cache = xp_object_cache (host);
  XapiObject *bond = cache != NULL && param != NULL ? xapi_cache_lookup (cache, param) : NULL;
  XapiObject *master = bond != NULL ? xp_follow (bond, "master") : NULL;
  XapiObject *net = master != NULL ? xp_follow (master, "network") : NULL;
  g_auto(GStrv) slaves = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  BondDelete *d;
  GtkWidget *dialog;

  if (bond == NULL || master == NULL)
    {
      emit_toast (self, _("This action is not possible right now."));
      return;
    }
  slaves = g_strdupv ((char **) xp_field_strv (bond, "slaves"));
  d = g_new0 (BondDelete, 1);
  d->self = g_object_ref (self);
  d->host = g_object_ref (host);
  d->bond = g_strdup (param);
  d->devices = pif_devices (cache, slaves);
  /* the bond's network goes too when nothing else is on it */
  if (net != NULL && g_strv_length ((char **) xp_field_strv (net, "PIFs")) <= 1
      && g_strv_length ((char **) xp_field_strv (net, "VIFs")) == 0)
    d->network = g_strdup (xapi_object_get_ref (net));
  heading = g_strdup_printf (_("Delete the bond %s?"), xp_field_str (master, "device"));
  /* Translators: the NICs of the bond, "eth0, eth1" */
  body = g_strdup_printf (_("%s become free NICs again. Traffic over the bond stops."), d->devices);
  dialog = message_dialog (self, heading, body, _("Delete Bond"), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (bond_delete_response_cb), d);
  gtk_window_present (GTK_WINDOW (dialog));
}

static const Def defs[] = {
  { "start", N_("Start"), VMK, "start", "|Halted|", "VM.start", "rff", 0, NULL, N_("“{}” started"), NULL, NULL },
  { "start-on", N_("Start on Server"), VMK, "start_on", "|Halted|", "VM.start_on", "rpff", F_PARAM, NULL, N_("“{}” started"), NULL, NULL },
  { "shutdown", N_("Shut Down"), VMK, "clean_shutdown", "|Running|", "VM.clean_shutdown", "r", F_CONFIRM,
    N_("Shut down these VMs?"), N_("“{}” shut down"), NULL, NULL },
  { "force-shutdown", N_("Force Shut Down"), VMK, "hard_shutdown", "|Running|Paused|Suspended|", "VM.hard_shutdown", "r",
    F_CONFIRM | F_DESTRUCTIVE, N_("Force these VMs off? Unsaved work in them is lost."), N_("“{}” turned off"), NULL, NULL },
  { "reboot", N_("Reboot"), VMK, "clean_reboot", "|Running|", "VM.clean_reboot", "r", F_CONFIRM,
    N_("Reboot these VMs?"), N_("“{}” rebooted"), NULL, NULL },
  { "force-reboot", N_("Force Reboot"), VMK, "hard_reboot", "|Running|Paused|", "VM.hard_reboot", "r",
    F_CONFIRM | F_DESTRUCTIVE, N_("Force these VMs to restart? Unsaved work in them is lost."), N_("“{}” restarted"), NULL, NULL },
  { "suspend", N_("Suspend"), VMK, "suspend", "|Running|", "VM.suspend", "r", 0, NULL, N_("“{}” suspended"), NULL, NULL },
  { "resume", N_("Resume"), VMK, "resume", "|Suspended|", "VM.resume", "rff", 0, NULL, N_("“{}” resumed"), NULL, NULL },
  { "pause", N_("Pause"), VMK, "pause", "|Running|", "VM.pause", "r", 0, NULL, N_("“{}” paused"), NULL, NULL },
  { "unpause", N_("Unpause"), VMK, "unpause", "|Paused|", "VM.unpause", "r", 0, NULL, N_("“{}” unpaused"), NULL, NULL },
  { "migrate-to-host", N_("Migrate to Server"), VMK, "pool_migrate", "|Running|", "VM.pool_migrate", "rpL", F_PARAM,
    NULL, N_("“{}” migrated"), NULL, NULL },
  { "copy", N_("Copy"), VMK | XP_KIND_TEMPLATE, "copy", "|Halted|", NULL, NULL, 0, NULL, N_("“{}” copied"), NULL, run_copy_like },
  { "clone", N_("Clone"), VMK | XP_KIND_TEMPLATE, "clone", "|Halted|", NULL, NULL, 0, NULL, N_("“{}” cloned"), NULL, run_copy_like },
  { "snapshot", N_("Take Snapshot"), VMK, "snapshot", NULL, NULL, NULL, 0, NULL, N_("Snapshot of “{}” taken"), NULL, run_copy_like },
  { "revert", N_("Revert to Snapshot"), XP_KIND_SNAPSHOT, NULL, NULL, "VM.revert", "r", F_CONFIRM | F_DESTRUCTIVE,
    N_("Revert to this snapshot? The current state of the VM is lost."), N_("Reverted to “{}”"), NULL, NULL },
  { "new-vm-from-snapshot", N_("New VM from Snapshot"), XP_KIND_SNAPSHOT, NULL, NULL, NULL, NULL, 0,
    N_("New VM from snapshot"), N_("New VM created from “{}”"), NULL, run_entry_dialog },
  { "delete", N_("Delete"), VMK | XP_KIND_TEMPLATE | XP_KIND_SNAPSHOT, NULL, NULL, NULL, NULL, 0, NULL, NULL,
    allow_delete, run_delete },
  { "convert-to-template", N_("Convert to Template"), VMK, "make_into_template", "|Halted|", "!VM.set_is_a_template", "rt",
    F_CONFIRM, N_("Convert these VMs to templates? This cannot be undone."), N_("“{}” is now a template"), NULL, NULL },
  { "new-vm-from-template", N_("New VM"), XP_KIND_TEMPLATE, NULL, NULL, NULL, NULL, 0,
    N_("New VM from template"), N_("New VM created from “{}”"), NULL, run_entry_dialog },
  { "insert-iso", N_("Insert ISO"), VMK, NULL, NULL, NULL, NULL, F_PARAM | F_HIDDEN, NULL, N_("ISO inserted into “{}”"),
    allow_has_cd, run_cd },
  { "add-disk", N_("Add Disk"), VMK, NULL, NULL, NULL, NULL, F_HIDDEN, N_("Add a new disk"),
    N_("Disk added to “{}”"), NULL, run_entry_dialog },
  { "attach-disk", N_("Attach Disk"), VMK, NULL, NULL, NULL, NULL, F_PARAM | F_HIDDEN, NULL,
    N_("Disk attached to “{}”"), NULL, run_attach },
  { "add-vif", N_("Add Network Interface"), VMK, NULL, NULL, NULL, NULL, F_PARAM | F_HIDDEN, NULL,
    N_("Network interface added to “{}”"), NULL, run_attach },
  { "eject", N_("Eject ISO"), VMK, NULL, NULL, NULL, NULL, 0, NULL, N_("ISO ejected from “{}”"), allow_cd_loaded, run_cd },

  { "maintenance", N_("Enter Maintenance Mode"), XP_KIND_HOST, NULL, NULL, NULL, NULL, F_CONFIRM,
    N_("Enter maintenance mode? The VMs running on these servers are moved to other servers."),
    N_("“{}” is in maintenance mode"), allow_host_enabled, run_maintenance },
  { "exit-maintenance", N_("Exit Maintenance Mode"), XP_KIND_HOST, NULL, NULL, NULL, NULL, 0, NULL,
    N_("“{}” left maintenance mode"), allow_host_disabled, run_host },
  { "host-reboot", N_("Reboot Server"), XP_KIND_HOST, "reboot", NULL, NULL, NULL, F_CONFIRM | F_DESTRUCTIVE,
    N_("Reboot these servers? Their running VMs are stopped."), N_("“{}” rebooted"), NULL, run_host },
  { "host-shutdown", N_("Shut Down Server"), XP_KIND_HOST, "shutdown", NULL, NULL, NULL, F_CONFIRM | F_DESTRUCTIVE,
    N_("Shut down these servers? Their running VMs are stopped."), N_("“{}” shut down"), NULL, run_host },
  { "host-enable", N_("Enable Server"), XP_KIND_HOST, NULL, NULL, NULL, NULL, 0, NULL, N_("“{}” enabled"),
    allow_host_disabled, run_host },
  { "host-disable", N_("Disable Server"), XP_KIND_HOST, NULL, NULL, "host.disable", "r", 0, NULL, N_("“{}” disabled"),
    allow_host_enabled, NULL },

  { "sr-rescan", N_("Rescan"), XP_KIND_SR, "scan", NULL, "SR.scan", "r", 0, NULL, N_("“{}” rescanned"), NULL, NULL },
  { "sr-set-default", N_("Set as Default"), XP_KIND_SR, NULL, NULL, NULL, NULL, 0, NULL,
    N_("“{}” is the default storage"), allow_sr_set_default, run_sr },
  { "sr-repair", N_("Repair"), XP_KIND_SR, NULL, NULL, NULL, NULL, 0, NULL, N_("“{}” repaired"), allow_sr_repair, run_sr },
  { "sr-detach", N_("Detach"), XP_KIND_SR, NULL, NULL, NULL, NULL, F_CONFIRM | F_DESTRUCTIVE,
    N_("Detach these storage repositories? Their disks become unavailable."), N_("“{}” detached"), allow_sr_detach, run_sr },
  { "sr-forget", N_("Forget"), XP_KIND_SR, "forget", NULL, "SR.forget", "r", F_CONFIRM | F_DESTRUCTIVE,
    N_("Forget these storage repositories? Their contents stay on the storage."), N_("“{}” forgotten"), NULL, NULL },

  { "pool-rename", N_("Rename"), XP_KIND_POOL, NULL, NULL, NULL, NULL, 0, N_("Rename the pool"),
    N_("Pool renamed"), NULL, run_entry_dialog },
  { "bond-create", N_("Create Bond"), XP_KIND_HOST, NULL, NULL, NULL, NULL, F_PARAM | F_HIDDEN, NULL, NULL,
    NULL, run_bond_create },
  { "bond-destroy", N_("Delete Bond"), XP_KIND_HOST, NULL, NULL, NULL, NULL, F_PARAM | F_HIDDEN, NULL, NULL,
    NULL, run_bond_destroy },
  { "disable-ha", N_("Disable HA"), XP_KIND_POOL, NULL, NULL, "pool.disable_ha", "", F_CONFIRM | F_DESTRUCTIVE,
    N_("Disable high availability? VMs are no longer restarted when their server fails."),
    N_("High availability disabled on “{}”"), allow_ha_enabled, NULL },

  /* for the pages, through "invoke" */
  { "detach-disk", N_("Detach Disk"), XP_KIND_VBD, NULL, NULL, NULL, NULL, F_CONFIRM | F_HIDDEN,
    N_("Detach this disk? The disk itself is kept."), N_("“{}” detached"), NULL, run_detach_vbd },
  { "remove-vif", N_("Remove Network Interface"), XP_KIND_VIF, NULL, NULL, NULL, NULL, F_CONFIRM | F_HIDDEN,
    N_("Remove this network interface?"), N_("Interface on “{}” removed"), NULL, run_detach_vbd },
  { "delete-disk", N_("Delete Disk"), XP_KIND_VDI, "destroy", NULL, "VDI.destroy", "r", F_CONFIRM | F_DESTRUCTIVE | F_HIDDEN,
    N_("Delete this disk? Its data is lost."), N_("“{}” deleted"), NULL, NULL },
  { "resize-disk", N_("Resize Disk"), XP_KIND_VDI, "resize", NULL, NULL, NULL, F_HIDDEN,
    N_("Resize disk"), N_("“{}” resized"), NULL, run_entry_dialog },

  { "properties", N_("Properties"), VMK | XP_KIND_TEMPLATE | XP_KIND_HOST | XP_KIND_SR, NULL, NULL, NULL, NULL,
    F_SINGLE, NULL, NULL, NULL, run_properties },
};

static const Def *
find_def (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    if (g_str_equal (defs[i].name, name))
      return &defs[i];
  return NULL;
}

static gboolean
def_allows (const Def  *def,
            XapiObject *obj)
{
  if (obj == NULL || xapi_object_is_gone (obj) || xapi_object_get_connection (obj) == NULL)
    return FALSE;
  if ((xp_object_kind (obj) & def->kinds) == 0)
    return FALSE;
  if (def->op != NULL && !xp_strv_has (xp_field_strv (obj, "allowed_operations"), def->op))
    return FALSE;
  if (def->states != NULL)
    {
      g_autofree char *key = g_strdup_printf ("|%s|", xp_field_enum (obj, "power_state"));
      if (strstr (def->states, key) == NULL)
        return FALSE;
    }
  if (def->allow != NULL && !def->allow (obj))
    return FALSE;
  return TRUE;
}

static gboolean
def_allows_all (const Def *def,
                GPtrArray *objects)
{
  if (objects == NULL || objects->len == 0)
    return FALSE;
  for (guint i = 0; i < objects->len; i++)
    if (!def_allows (def, g_ptr_array_index (objects, i)))
      return FALSE;
  return TRUE;
}

static void
run_now (XpObjectActions *self,
         const Def       *def,
         GPtrArray       *objects,
         const char      *param)
{
  if (def->run == run_maintenance)   /* blockers were checked already */
    run_host (self, def, objects, param);
  else if (def->run != NULL)
    def->run (self, def, objects, param);
  else
    run_simple (self, def, objects, param);
}

static void
run_def (XpObjectActions *self,
         const Def       *def,
         GPtrArray       *objects,
         const char      *param)
{
  if (!def_allows_all (def, objects))
    {
      emit_toast (self, _("This action is not possible right now."));
      return;
    }
  /* maintenance checks blockers before it confirms */
  if ((def->flags & F_CONFIRM) && def->run != run_maintenance)
    confirm_then_run (self, def, objects, param);
  else
    run_now (self, def, objects, param);
}

static gpointer
ref_copy (gconstpointer src,
          gpointer      data)
{
  return g_object_ref ((gpointer) src);
}

static void
action_activate_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  XpObjectActions *self = user_data;
  const Def *def = find_def (g_action_get_name (G_ACTION (action)));
  g_autoptr(GPtrArray) objects = g_ptr_array_copy (self->selection, ref_copy, NULL);

  g_ptr_array_set_free_func (objects, g_object_unref);
  run_def (self, def, objects,
           parameter != NULL ? g_variant_get_string (parameter, NULL) : NULL);
}

static XapiObject *
lookup_ref (XpObjectActions *self,
            const char      *ref)
{
  for (guint i = 0; i < self->selection->len; i++)
    {
      XapiCache *cache = xp_object_cache (g_ptr_array_index (self->selection, i));
      XapiObject *obj = cache != NULL ? xapi_cache_lookup (cache, ref) : NULL;
      if (obj != NULL)
        return obj;
    }
  return NULL;
}

static void
invoke_activate_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  XpObjectActions *self = user_data;
  const char *name, *ref;
  const Def *def;
  XapiObject *obj;
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func (g_object_unref);

  g_variant_get (parameter, "(&s&s)", &name, &ref);
  def = find_def (name);
  obj = lookup_ref (self, ref);
  if (def == NULL || obj == NULL)
    {
      g_warning ("invoke: unknown action %s or object %s", name, ref);
      return;
    }
  g_ptr_array_add (objects, g_object_ref (obj));
  run_def (self, def, objects, NULL);
}

/* ------------------------------------------------------------------------ */
/* Selection and enabled states                                              */
/* ------------------------------------------------------------------------ */

static void object_notify_cb (GObject *object, GParamSpec *pspec, gpointer user_data);

static void
watch_related (XpObjectActions *self,
               XapiObject      *obj)
{
  gulong id;

  if (obj == NULL || g_hash_table_contains (self->related, obj))
    return;
  id = g_signal_connect (obj, "notify", G_CALLBACK (object_notify_cb), self);
  g_hash_table_insert (self->related, g_object_ref (obj), GSIZE_TO_POINTER (id));
}

static void
unwatch_related (XpObjectActions *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->related);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_signal_handler_disconnect (key, GPOINTER_TO_SIZE (value));
      g_hash_table_iter_remove (&iter);
    }
}

static void
update_enabled (XpObjectActions *self)
{
  /* the predicates also read devices and the pool: follow their changes too */
  for (guint i = 0; i < self->selection->len; i++)
    {
      XapiObject *obj = g_ptr_array_index (self->selection, i);
      XpKind kind = xp_object_kind (obj);
      g_autoptr(GPtrArray) devs = NULL;

      if (kind == XP_KIND_VM)
        devs = xp_follow_set (obj, "VBDs");
      else if (kind == XP_KIND_SR)
        {
          XapiCache *cache = xp_object_cache (obj);
          devs = xp_follow_set (obj, "PBDs");
          if (cache != NULL)
            watch_related (self, xapi_cache_get_pool (cache));
        }
      for (guint j = 0; devs != NULL && j < devs->len; j++)
        watch_related (self, g_ptr_array_index (devs, j));
    }

  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->group), defs[i].name);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), def_allows_all (&defs[i], self->selection)
                                   && (!(defs[i].flags & F_SINGLE) || self->selection->len == 1));
    }
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->group), "invoke")),
                               self->selection->len > 0);
}

static gboolean
update_idle_cb (gpointer user_data)
{
  XpObjectActions *self = user_data;

  self->update_id = 0;
  update_enabled (self);
  return G_SOURCE_REMOVE;
}

static void
object_notify_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  XpObjectActions *self = user_data;

  if (self->update_id == 0)
    self->update_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_idle_cb, self, NULL);
}

static void
disconnect_selection (XpObjectActions *self)
{
  for (guint i = 0; i < self->selection->len; i++)
    g_signal_handler_disconnect (g_ptr_array_index (self->selection, i),
                                 g_array_index (self->handlers, gulong, i));
  g_ptr_array_set_size (self->selection, 0);
  g_array_set_size (self->handlers, 0);
  unwatch_related (self);
}

void
xp_object_actions_set_selection (XpObjectActions *self,
                                 GPtrArray       *objects)
{
  g_return_if_fail (XP_IS_OBJECT_ACTIONS (self));

  disconnect_selection (self);
  for (guint i = 0; objects != NULL && i < objects->len; i++)
    {
      GObject *obj = g_ptr_array_index (objects, i);
      gulong id;

      if (!XAPI_IS_OBJECT (obj))
        continue;
      id = g_signal_connect (obj, "notify", G_CALLBACK (object_notify_cb), self);
      g_ptr_array_add (self->selection, g_object_ref (obj));
      g_array_append_val (self->handlers, id);
    }
  g_clear_handle_id (&self->update_id, g_source_remove);
  update_enabled (self);
}

GActionGroup *
xp_object_actions_get_group (XpObjectActions *self)
{
  g_return_val_if_fail (XP_IS_OBJECT_ACTIONS (self), NULL);
  return G_ACTION_GROUP (self->group);
}

guint
xp_object_actions_get_n_running (XpObjectActions *self)
{
  return self->n_running;
}

static void
append_host_submenu (GMenu      *section,
                     const char *label,
                     const char *action,
                     XapiObject *vm)
{
  XapiCache *cache = xp_object_cache (vm);
  GListModel *hosts;
  g_autoptr(GMenu) sub = g_menu_new ();

  if (cache == NULL)
    return;
  hosts = xapi_cache_get_objects_by_name (cache, "host");
  for (guint i = 0; hosts != NULL && i < g_list_model_get_n_items (hosts); i++)
    {
      g_autoptr(XapiObject) host = g_list_model_get_item (hosts, i);
      g_autoptr(GMenuItem) item = g_menu_item_new (xp_object_name (host), NULL);
      if (g_strcmp0 (xp_field_str (vm, "resident_on"), xapi_object_get_ref (host)) == 0)
        continue;
      g_menu_item_set_action_and_target_value (item, action,
                                               g_variant_new_string (xapi_object_get_ref (host)));
      g_menu_append_item (sub, item);
    }
  if (g_menu_model_get_n_items (G_MENU_MODEL (sub)) > 0)
    g_menu_append_submenu (section, label, G_MENU_MODEL (sub));
}

GMenuModel *
xp_object_actions_get_context_menu (XpObjectActions *self)
{
  GMenu *menu;
  GMenu *section = NULL;
  guint kinds = 0;
  guint last_group = G_MAXUINT;

  g_return_val_if_fail (XP_IS_OBJECT_ACTIONS (self), NULL);
  if (self->selection->len == 0)
    return NULL;
  for (guint i = 0; i < self->selection->len; i++)
    kinds |= xp_object_kind (g_ptr_array_index (self->selection, i));

  menu = g_menu_new ();
  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    {
      const Def *def = &defs[i];
      g_autofree char *detailed = g_strconcat ("obj.", def->name, NULL);
      /* groups: lifecycle, copies, destructive, others: new section on a change */
      guint group = (def->flags & F_SINGLE) ? 3 : i < 11 ? 0 : i < 16 ? 1 : 2;

      if ((def->kinds & kinds) != kinds || (def->flags & F_HIDDEN)
          || ((def->flags & F_SINGLE) && self->selection->len != 1))
        continue;
      if (section == NULL || group != last_group)
        {
          if (section != NULL)
            g_menu_append_section (menu, NULL, G_MENU_MODEL (section)), g_object_unref (section);
          section = g_menu_new ();
          last_group = group;
        }
      if (def->flags & F_PARAM)
        {
          if (self->selection->len == 1)
            append_host_submenu (section, _(def->label), detailed, g_ptr_array_index (self->selection, 0));
          continue;
        }
      g_menu_append (section, _(def->label), detailed);
    }
  if (section != NULL)
    g_menu_append_section (menu, NULL, G_MENU_MODEL (section)), g_object_unref (section);
  /* the XVA export wizard ("wiz" group of the window) for one VM */
  if (self->selection->len == 1 && XAPI_IS_VM (g_ptr_array_index (self->selection, 0)))
    {
      XapiVm *vm = g_ptr_array_index (self->selection, 0);

      if (!xapi_vm_get_is_a_template (vm) && !xapi_vm_get_is_a_snapshot (vm) && !xapi_vm_get_is_control_domain (vm))
        {
          section = g_menu_new ();
          g_menu_append (section, _("E_xport to File…"), "wiz.export");
          g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
          g_object_unref (section);
        }
    }
  if (g_menu_model_get_n_items (G_MENU_MODEL (menu)) == 0)
    g_clear_object (&menu);
  return G_MENU_MODEL (menu);
}

void
xp_object_actions_set_accels (GtkApplication *app)
{
  static const struct { const char *action; const char *accel; } accels[] = {
    { "obj.start", "<Primary>b" },
    { "obj.shutdown", "<Primary>e" },
    { "obj.reboot", "<Primary>r" },
    { "obj.suspend", "<Primary>y" },
    { "obj.snapshot", "<Primary><Shift>s" },
    { "obj.properties", "<Alt>Return" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    {
      const char *list[] = { accels[i].accel, NULL };
      gtk_application_set_accels_for_action (app, accels[i].action, list);
    }
}

/* ------------------------------------------------------------------------ */

static void
xp_object_actions_dispose (GObject *object)
{
  XpObjectActions *self = XP_OBJECT_ACTIONS (object);

  if (self->selection != NULL)
    disconnect_selection (self);
  g_clear_handle_id (&self->update_id, g_source_remove);
  g_clear_weak_pointer (&self->parent);
  G_OBJECT_CLASS (xp_object_actions_parent_class)->dispose (object);
}

static void
xp_object_actions_finalize (GObject *object)
{
  XpObjectActions *self = XP_OBJECT_ACTIONS (object);

  g_clear_object (&self->group);
  g_clear_pointer (&self->selection, g_ptr_array_unref);
  g_clear_pointer (&self->handlers, g_array_unref);
  g_clear_pointer (&self->related, g_hash_table_unref);
  G_OBJECT_CLASS (xp_object_actions_parent_class)->finalize (object);
}

static void
xp_object_actions_class_init (XpObjectActionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_object_actions_dispose;
  object_class->finalize = xp_object_actions_finalize;

  signals[SIGNAL_TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
xp_object_actions_init (XpObjectActions *self)
{
  g_autoptr(GSimpleAction) invoke = NULL;

  self->group = g_simple_action_group_new ();
  self->selection = g_ptr_array_new_with_free_func (g_object_unref);
  self->handlers = g_array_new (FALSE, FALSE, sizeof (gulong));
  self->related = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (defs); i++)
    {
      g_autoptr(GSimpleAction) action =
        g_simple_action_new (defs[i].name, (defs[i].flags & F_PARAM) ? G_VARIANT_TYPE_STRING : NULL);
      g_signal_connect (action, "activate", G_CALLBACK (action_activate_cb), self);
      g_action_map_add_action (G_ACTION_MAP (self->group), G_ACTION (action));
    }
  invoke = g_simple_action_new ("invoke", G_VARIANT_TYPE ("(ss)"));
  g_signal_connect (invoke, "activate", G_CALLBACK (invoke_activate_cb), self);
  g_action_map_add_action (G_ACTION_MAP (self->group), G_ACTION (invoke));
  update_enabled (self);
}

XpObjectActions *
xp_object_actions_new (GtkWindow *parent)
{
  XpObjectActions *self = g_object_new (XP_TYPE_OBJECT_ACTIONS, NULL);

  g_set_weak_pointer (&self->parent, parent);
  return self;
}
