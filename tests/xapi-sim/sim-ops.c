/* sim-ops.c: operations as state machines (VM lifecycle, storage, network,
 * hosts, pool)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "sim.h"

static gboolean
is_vm_power (SimRow     *vm,
             const char *state)
{
  return strcmp (sim_row_str (vm, "power_state"), state) == 0;
}

void
sim_vm_update_allowed (Sim    *sim,
                       SimRow *vm)
{
  JsonNode *ops = sv_empty_set ();
  JsonArray *a = json_node_get_array (ops);
  JsonNode *cur = sim_row_value (vm, "current_operations");
  gboolean busy = cur && JSON_NODE_HOLDS_OBJECT (cur) && json_object_get_size (json_node_get_object (cur)) > 0;
  const char *ps = sim_row_str (vm, "power_state");

#define ALLOW(x) json_array_add_string_element (a, x)
  if (!busy)
    {
      if (sim_row_bool (vm, "is_control_domain"))
        ;
      else if (sim_row_bool (vm, "is_a_template") || sim_row_bool (vm, "is_a_snapshot"))
        {
          ALLOW ("clone");
          ALLOW ("copy");
          ALLOW ("export");
          ALLOW ("destroy");
          if (sim_row_bool (vm, "is_a_snapshot"))
            {
              ALLOW ("revert");
              ALLOW ("create_template");
            }
          else
            ALLOW ("provision");
          ALLOW ("changing_memory_limits");
          ALLOW ("changing_VCPUs");
          ALLOW ("metadata_export");
        }
      else if (strcmp (ps, "Halted") == 0)
        {
          ALLOW ("start");
          ALLOW ("start_on");
          ALLOW ("clone");
          ALLOW ("copy");
          ALLOW ("snapshot");
          ALLOW ("export");
          ALLOW ("destroy");
          ALLOW ("make_into_template");
          ALLOW ("provision");
          ALLOW ("changing_memory_limits");
          ALLOW ("changing_static_range");
          ALLOW ("changing_dynamic_range");
          ALLOW ("changing_VCPUs");
          ALLOW ("metadata_export");
          ALLOW ("migrate_send");
        }
      else if (strcmp (ps, "Running") == 0)
        {
          ALLOW ("clean_shutdown");
          ALLOW ("clean_reboot");
          ALLOW ("hard_shutdown");
          ALLOW ("hard_reboot");
          ALLOW ("suspend");
          ALLOW ("pause");
          ALLOW ("snapshot");
          ALLOW ("checkpoint");
          ALLOW ("pool_migrate");
          ALLOW ("migrate_send");
          ALLOW ("changing_VCPUs_live");
          ALLOW ("changing_dynamic_range");
          ALLOW ("send_sysrq");
          ALLOW ("send_trigger");
          ALLOW ("metadata_export");
        }
      else if (strcmp (ps, "Paused") == 0)
        {
          ALLOW ("unpause");
          ALLOW ("hard_shutdown");
          ALLOW ("hard_reboot");
          ALLOW ("snapshot");
          ALLOW ("metadata_export");
        }
      else if (strcmp (ps, "Suspended") == 0)
        {
          ALLOW ("resume");
          ALLOW ("resume_on");
          ALLOW ("hard_shutdown");
          ALLOW ("snapshot");
          ALLOW ("clone");
          ALLOW ("copy");
          ALLOW ("export");
          ALLOW ("destroy");
          ALLOW ("metadata_export");
          ALLOW ("migrate_send");
        }
    }
#undef ALLOW
  sim_row_set (sim, vm, "allowed_operations", ops);
}

void
sim_update_allowed_all (Sim *sim)
{
  SimClass *cls = sim_model_class (sim->model, "VM");
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, cls->rows);
  while (g_hash_table_iter_next (&it, &k, &v))
    sim_vm_update_allowed (sim, v);
}

SimRow *
sim_vm_create_console (Sim    *sim,
                       SimRow *vm,
                       SimRow *host)
{
  SimRow *c = sim_db_add (sim, "console", NULL);
  g_autofree char *loc = NULL;
  int hi = sim_host_index (sim, host);

  sim_row_set_ref (sim, c, "VM", vm);
  sim_row_set_str (sim, c, "protocol", "rfb");
  loc = g_strdup_printf ("%s://%s:%d/console?uuid=%s", sim->tls ? "https" : "http",
                         hi >= 0 ? (char *) sim->host_addrs->pdata[hi] : sim_row_str (host, "address"), sim->port,
                         sim_row_str (c, "uuid"));
  sim_row_set_str (sim, c, "location", loc);
  sim_row_map_put_str (sim, c, "other_config", "vgaconsole", "true");
  return c;
}

/* Put a VM in a live state on a host, or halt it (@host NULL). */
void
sim_vm_set_running (Sim        *sim,
                    SimRow     *vm,
                    SimRow     *host,
                    const char *state_in)
{
  SimRow *metrics = sim_row_deref (sim, vm, "metrics");
  static gint64 next_domid = 1;
  g_autofree char *state = g_strdup (state_in);   /* may point into the row */

  sim_row_set_str (sim, vm, "power_state", state);
  sim_row_set_ref (sim, vm, "resident_on", host);
  if (host)
    {
      JsonArray *consoles = json_node_get_array (sim_row_value (vm, "consoles"));
      sim_row_set_int (sim, vm, "domid", next_domid++);
      sim_row_set_str (sim, vm, "domarch", "x64");
      if (json_array_get_length (consoles) == 0)
        sim_vm_create_console (sim, vm, host);
      else
        {
          /* consoles follow the VM to its host */
          for (guint i = 0; i < json_array_get_length (consoles); i++)
            {
              SimRow *c = sim_db_find (sim, json_array_get_string_element (consoles, i));
              int hi = sim_host_index (sim, host);
              if (c && hi >= 0)
                {
                  g_autofree char *loc = g_strdup_printf ("%s://%s:%d/console?uuid=%s", sim->tls ? "https" : "http",
                                                          (char *) sim->host_addrs->pdata[hi], sim->port,
                                                          sim_row_str (c, "uuid"));
                  sim_row_set_str (sim, c, "location", loc);
                }
            }
        }
      if (metrics)
        {
          sim_row_set_int (sim, metrics, "memory_actual", sim_row_int (vm, "memory_dynamic_max"));
          sim_row_set_int (sim, metrics, "VCPUs_number", sim_row_int (vm, "VCPUs_at_startup"));
          sim_row_set_str (sim, metrics, "current_domain_type", sim_row_str (vm, "domain_type"));
          if (strcmp (sim_row_str (metrics, "start_time"), "19700101T00:00:00Z") == 0)
            sim_row_set (sim, metrics, "start_time", sv_now (0));
          sim_row_set (sim, metrics, "last_updated", sv_now (0));
        }
    }
  else
    {
      JsonArray *consoles = json_node_get_array (sim_row_value (vm, "consoles"));
      sim_row_set_int (sim, vm, "domid", -1);
      while (json_array_get_length (consoles) > 0)
        {
          SimRow *c = sim_db_find (sim, json_array_get_string_element (consoles, 0));
          if (c == NULL)
            break;
          sim_db_remove (sim, c);
          consoles = json_node_get_array (sim_row_value (vm, "consoles"));
        }
      if (metrics)
        {
          sim_row_set_int (sim, metrics, "memory_actual", 0);
          sim_row_set_int (sim, metrics, "VCPUs_number", 0);
          sim_row_set (sim, metrics, "start_time", sv_str ("19700101T00:00:00Z"));
          sim_row_set (sim, metrics, "last_updated", sv_now (0));
        }
    }
  /* VBDs and VIFs are attached while the VM runs */
  for (int pass = 0; pass < 2; pass++)
    {
      JsonArray *a = json_node_get_array (sim_row_value (vm, pass == 0 ? "VBDs" : "VIFs"));
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          SimRow *d = sim_db_find (sim, json_array_get_string_element (a, i));
          gboolean live = host != NULL;
          if (d == NULL)
            continue;
          sim_row_set_bool (sim, d, "currently_attached", live && !(pass == 0 && sim_row_bool (d, "empty") && FALSE));
          sim_row_set (sim, d, "allowed_operations",
                       live ? sv_strset ("attach", "unplug", NULL) : sv_strset ("attach", "plug", NULL));
        }
    }
}

/* ---------------------------------------------------------------- helpers */

static const char *
lower_state (SimRow *vm)
{
  const char *ps = sim_row_str (vm, "power_state");
  return strcmp (ps, "Halted") == 0 ? "halted" : strcmp (ps, "Running") == 0 ? "running"
         : strcmp (ps, "Paused") == 0 ? "paused" : strcmp (ps, "Suspended") == 0 ? "suspended" : ps;
}

/* Checks for VM operations; fails the call and returns FALSE. */
static gboolean
vm_check (SimCall    *call,
          SimRow     *vm,
          const char *op,
          const char *expected)   /* lower-case power state(s) separated by '|', or NULL */
{
  if (sim_row_bool (vm, "is_a_template") && strcmp (op, "clone") && strcmp (op, "copy") && strcmp (op, "destroy")
      && strcmp (op, "provision") && strcmp (op, "export"))
    {
      sim_call_failf (call, "VM_IS_TEMPLATE", vm->ref, op, NULL);
      return FALSE;
    }
  if (sim_row_bool (vm, "is_control_domain"))
    {
      sim_call_failf (call, "OPERATION_NOT_ALLOWED", "This operation is not allowed on the control domain", NULL);
      return FALSE;
    }
  if (sim_row_map_get (vm, "blocked_operations", op))
    {
      sim_call_failf (call, "OPERATION_BLOCKED", vm->ref, op, NULL);
      return FALSE;
    }
  if (expected)
    {
      g_auto(GStrv) ok = g_strsplit (expected, "|", -1);
      if (!g_strv_contains ((const char * const *) ok, lower_state (vm)))
        {
          sim_call_failf (call, "VM_BAD_POWER_STATE", vm->ref, ok[0], lower_state (vm), NULL);
          return FALSE;
        }
    }
  {
    JsonNode *cur = sim_row_value (vm, "current_operations");
    if (cur && json_object_get_size (json_node_get_object (cur)) > 0)
      {
        sim_call_failf (call, "OTHER_OPERATION_IN_PROGRESS", "VM", vm->ref, NULL);
        return FALSE;
      }
  }
  return TRUE;
}

static gint64
host_free_memory (Sim    *sim,
                  SimRow *host)
{
  SimRow *m = sim_row_deref (sim, host, "metrics");
  return m ? sim_row_int (m, "memory_free") : 0;
}

static void
host_adjust_memory (Sim    *sim,
                    SimRow *host,
                    gint64  delta)
{
  SimRow *m = host ? sim_row_deref (sim, host, "metrics") : NULL;
  if (m)
    sim_row_set_int (sim, m, "memory_free", sim_row_int (m, "memory_free") + delta);
}

static SimRow *
pick_host (Sim    *sim,
           SimRow *vm,
           SimRow *exclude)
{
  gint64 need = sim_row_int (vm, "memory_static_max");
  SimRow *best = NULL;
  gint64 best_free = -1;
  SimRow *aff = sim_row_deref (sim, vm, "affinity");

  if (aff && aff != exclude && sim_row_bool (aff, "enabled") && host_free_memory (sim, aff) >= need)
    return aff;
  for (guint i = 0; i < sim->hosts->len; i++)
    {
      SimRow *h = sim->hosts->pdata[i];
      gint64 f = host_free_memory (sim, h);
      if (h == exclude || !sim_row_bool (h, "enabled"))
        continue;
      if (f > best_free)
        {
          best = h;
          best_free = f;
        }
    }
  return best;
}

static gboolean
check_host_memory (SimCall *call,
                   SimRow  *vm,
                   SimRow  *host)
{
  gint64 need = sim_row_int (vm, "memory_static_max");
  gint64 avail = host_free_memory (call->sim, host);

  if (avail < need)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, need);
      g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT, avail);
      sim_call_failf (call, "HOST_NOT_ENOUGH_FREE_MEMORY", n, a, NULL);
      return FALSE;
    }
  if (!sim_row_bool (host, "enabled"))
    {
      sim_call_failf (call, "HOST_DISABLED", host->ref, NULL);
      return FALSE;
    }
  return TRUE;
}

static void
vm_power_to (Sim        *sim,
             SimRow     *vm,
             SimRow     *host,
             const char *state_in)
{
  g_autofree char *state = g_strdup (state_in);
  SimRow *old = sim_row_deref (sim, vm, "resident_on");
  gint64 mem = sim_row_int (vm, "memory_static_max");
  gboolean was_live = old != NULL;
  gboolean live = host != NULL;

  if (was_live)
    host_adjust_memory (sim, old, mem);
  if (live)
    host_adjust_memory (sim, host, -mem);
  sim_vm_set_running (sim, vm, host, state);
  {
    SimRow *gm = sim_row_deref (sim, vm, "guest_metrics");
    if (gm)
      sim_row_set_bool (sim, gm, "live", live);
  }
  sim_vm_update_allowed (sim, vm);
}

static void
op_cancelled (SimOp *op)
{
  /* nothing is changed before an operation finishes */
}

#define VM_ARG(call) SimRow *vm = sim_arg_row (call, 0); if (vm == NULL) return

static SimRow *
op_vm (SimOp *op)
{
  return sim_db_find (op->call->sim, op->target_ref);
}

/* ---------------------------------------------------------------- VM power */

static void
fin_start (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *host = sim_db_find (sim, op->s1);
  g_autofree char *body = NULL;

  vm_power_to (sim, vm, host, op->i1 ? "Paused" : "Running");
  body = g_strdup_printf ("VM '%s' started on host: %s", sim_row_str (vm, "name_label"), sim_row_str (host, "name_label"));
  sim_message_new (sim, "VM_STARTED", 5, vm, body);
  sim_call_return (op->call, NULL);
}

static void
vm_start_common (SimCall *call,
                 SimRow  *vm,
                 SimRow  *host,
                 gboolean paused,
                 const char *opname,
                 const char *expected)
{
  SimOp *op;

  if (!vm_check (call, vm, opname, expected))
    return;
  if (host == NULL)
    host = pick_host (call->sim, vm, NULL);
  if (host == NULL)
    {
      sim_call_failf (call, "NO_HOSTS_AVAILABLE", NULL);
      return;
    }
  if (!check_host_memory (call, vm, host))
    return;
  op = sim_op_start (call, vm, opname, sim_scaled (call->sim, 4.0), fin_start, op_cancelled);
  if (op)
    {
      op->s1 = g_strdup (host->ref);
      op->i1 = paused;
      sim_row_set_ref (call->sim, vm, "scheduled_to_be_resident_on", host);
    }
}

static void
h_vm_start (SimCall *call)
{
  JsonNode *p = sim_arg (call, 1);
  VM_ARG (call);
  vm_start_common (call, vm, NULL, p && json_node_get_boolean (p), "start", "halted");
}

static void
h_vm_start_on (SimCall *call)
{
  SimRow *host;
  JsonNode *p = sim_arg (call, 2);
  VM_ARG (call);
  host = sim_arg_row (call, 1);
  if (host == NULL)
    return;
  vm_start_common (call, vm, host, p && json_node_get_boolean (p), "start_on", "halted");
}

static void
fin_shutdown (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  g_autofree char *body = g_strdup_printf ("VM '%s' shut down", sim_row_str (vm, "name_label"));

  sim_row_set_ref (sim, vm, "scheduled_to_be_resident_on", NULL);
  vm_power_to (sim, vm, NULL, "Halted");
  if (sim_row_deref (sim, vm, "suspend_VDI"))
    {
      SimRow *sv = sim_row_deref (sim, vm, "suspend_VDI");
      sim_row_set_ref (sim, vm, "suspend_VDI", NULL);
      sim_db_remove (sim, sv);
    }
  sim_message_new (sim, "VM_SHUTDOWN", 5, vm, body);
  sim_call_return (op->call, NULL);
}

static void
h_vm_clean_shutdown (SimCall *call)
{
  VM_ARG (call);
  if (vm_check (call, vm, "clean_shutdown", "running"))
    sim_op_start (call, vm, "clean_shutdown", sim_scaled (call->sim, 3.0), fin_shutdown, op_cancelled);
}

static void
h_vm_hard_shutdown (SimCall *call)
{
  VM_ARG (call);
  if (vm_check (call, vm, "hard_shutdown", "running|paused|suspended"))
    sim_op_start (call, vm, "hard_shutdown", sim_scaled (call->sim, 1.0), fin_shutdown, op_cancelled);
}

static void
h_vm_shutdown (SimCall *call)
{
  VM_ARG (call);
  if (vm_check (call, vm, "shutdown", "running|paused|suspended"))
    sim_op_start (call, vm, "shutdown", sim_scaled (call->sim, 3.0), fin_shutdown, op_cancelled);
}

static void
fin_reboot (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *host = sim_row_deref (sim, vm, "resident_on");
  SimRow *m = sim_row_deref (sim, vm, "metrics");

  sim_vm_set_running (sim, vm, host, "Running");
  if (m)
    sim_row_set (sim, m, "start_time", sv_now (0));
  sim_vm_update_allowed (sim, vm);
  sim_message_new (sim, "VM_REBOOTED", 5, vm, "VM rebooted");
  sim_call_return (op->call, NULL);
}

static void
h_vm_clean_reboot (SimCall *call)
{
  VM_ARG (call);
  if (vm_check (call, vm, "clean_reboot", "running"))
    sim_op_start (call, vm, "clean_reboot", sim_scaled (call->sim, 5.0), fin_reboot, op_cancelled);
}

static void
h_vm_hard_reboot (SimCall *call)
{
  VM_ARG (call);
  if (vm_check (call, vm, "hard_reboot", "running|paused"))
    sim_op_start (call, vm, "hard_reboot", sim_scaled (call->sim, 3.0), fin_reboot, op_cancelled);
}

static void
fin_suspend (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *sr = sim_row_deref (sim, sim_pool (sim), "suspend_image_SR");
  SimRow *vdi = sim_db_add (sim, "VDI", NULL);
  g_autofree char *n = g_strdup_printf ("Suspend image for %s", sim_row_str (vm, "name_label"));

  sim_row_set_str (sim, vdi, "name_label", n);
  sim_row_set_str (sim, vdi, "type", "suspend");
  sim_row_set_int (sim, vdi, "virtual_size", sim_row_int (vm, "memory_static_max"));
  if (sr)
    sim_row_set_ref (sim, vdi, "SR", sr);
  sim_row_set_ref (sim, vm, "suspend_VDI", vdi);
  vm_power_to (sim, vm, NULL, "Suspended");
  sim_message_new (sim, "VM_SUSPENDED", 5, vm, "VM suspended");
  sim_call_return (op->call, NULL);
}

static void
h_vm_suspend (SimCall *call)
{
  VM_ARG (call);
  if (vm_check (call, vm, "suspend", "running"))
    sim_op_start (call, vm, "suspend", sim_scaled (call->sim, 4.0), fin_suspend, op_cancelled);
}

static void
fin_resume (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *host = sim_db_find (sim, op->s1);
  SimRow *sv = sim_row_deref (sim, vm, "suspend_VDI");

  if (sv)
    {
      sim_row_set_ref (sim, vm, "suspend_VDI", NULL);
      sim_db_remove (sim, sv);
    }
  vm_power_to (sim, vm, host, op->i1 ? "Paused" : "Running");
  sim_message_new (sim, "VM_RESUMED", 5, vm, "VM resumed");
  sim_call_return (op->call, NULL);
}

static void
vm_resume_common (SimCall *call,
                  SimRow  *vm,
                  SimRow  *host,
                  gboolean paused,
                  const char *opname)
{
  SimOp *op;

  if (!vm_check (call, vm, opname, "suspended"))
    return;
  if (host == NULL)
    host = pick_host (call->sim, vm, NULL);
  if (host == NULL)
    {
      sim_call_failf (call, "NO_HOSTS_AVAILABLE", NULL);
      return;
    }
  if (!check_host_memory (call, vm, host))
    return;
  op = sim_op_start (call, vm, opname, sim_scaled (call->sim, 4.0), fin_resume, op_cancelled);
  if (op)
    {
      op->s1 = g_strdup (host->ref);
      op->i1 = paused;
    }
}

static void
h_vm_resume (SimCall *call)
{
  JsonNode *p = sim_arg (call, 1);
  VM_ARG (call);
  vm_resume_common (call, vm, NULL, p && json_node_get_boolean (p), "resume");
}

static void
h_vm_resume_on (SimCall *call)
{
  SimRow *host;
  JsonNode *p = sim_arg (call, 2);
  VM_ARG (call);
  host = sim_arg_row (call, 1);
  if (host)
    vm_resume_common (call, vm, host, p && json_node_get_boolean (p), "resume_on");
}

static void
fin_pause (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  gboolean pause = op->i1;
  SimRow *m = sim_row_deref (sim, vm, "metrics");

  /* VM_metrics.state (a string set) stays empty, as xapi leaves it */
  sim_row_set_str (sim, vm, "power_state", pause ? "Paused" : "Running");
  if (m)
    sim_row_set (sim, m, "last_updated", sv_now (0));
  sim_vm_update_allowed (sim, vm);
  sim_call_return (op->call, NULL);
}

static void
h_vm_pause (SimCall *call)
{
  SimOp *op;
  VM_ARG (call);
  if (vm_check (call, vm, "pause", "running")
      && (op = sim_op_start (call, vm, "pause", sim_scaled (call->sim, 0.5), fin_pause, op_cancelled)))
    op->i1 = TRUE;
}

static void
h_vm_unpause (SimCall *call)
{
  SimOp *op;
  VM_ARG (call);
  if (vm_check (call, vm, "unpause", "paused")
      && (op = sim_op_start (call, vm, "unpause", sim_scaled (call->sim, 0.5), fin_pause, op_cancelled)))
    op->i1 = FALSE;
}

/* ---------------------------------------------------------------- VM copies */

static SimRow *
copy_vdi (Sim    *sim,
          SimRow *vdi,
          SimRow *sr)
{
  SimRow *n = sim_db_copy_row (sim, vdi);
  if (sr)
    sim_row_set_ref (sim, n, "SR", sr);
  sim_row_set_bool (sim, n, "is_a_snapshot", FALSE);
  sim_row_set_ref (sim, n, "snapshot_of", NULL);
  sim_row_set_str (sim, n, "location", sim_row_str (n, "uuid"));
  return n;
}

/* Copies a VM with its VBDs (new VDIs unless CDs), VIFs and metrics. */
static SimRow *
copy_vm (Sim        *sim,
         SimRow     *vm,
         const char *name,
         SimRow     *sr,
         gboolean    snapshot)
{
  SimRow *n = sim_db_copy_row (sim, vm);
  SimRow *m = sim_db_add (sim, "VM_metrics", NULL);
  JsonArray *a;

  sim_row_set_str (sim, n, "name_label", name);
  sim_row_set_ref (sim, n, "metrics", m);
  sim_row_set_ref (sim, n, "guest_metrics", NULL);
  sim_row_set_ref (sim, n, "resident_on", NULL);
  sim_row_set_ref (sim, n, "scheduled_to_be_resident_on", NULL);
  sim_row_set_ref (sim, n, "suspend_VDI", NULL);
  sim_row_set (sim, n, "current_operations", sv_empty_map ());
  sim_row_set_int (sim, n, "domid", -1);
  sim_row_set_str (sim, n, "power_state", "Halted");
  sim_row_set_bool (sim, n, "is_default_template", FALSE);
  sim_row_map_remove (sim, n, "other_config", "default_template");
  sim_row_set_bool (sim, n, "is_a_snapshot", snapshot);
  sim_row_set_ref (sim, n, "snapshot_of", snapshot ? vm : NULL);
  if (snapshot)
    sim_row_set (sim, n, "snapshot_time", sv_now (0));
  a = json_node_get_array (sim_row_value (vm, "VBDs"));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *vbd = sim_db_find (sim, json_array_get_string_element (a, i));
      SimRow *vdi = vbd ? sim_row_deref (sim, vbd, "VDI") : NULL;
      SimRow *nvbd;
      if (vbd == NULL)
        continue;
      nvbd = sim_db_copy_row (sim, vbd);
      sim_row_set_ref (sim, nvbd, "VM", n);
      sim_row_set_bool (sim, nvbd, "currently_attached", FALSE);
      sim_row_set_ref (sim, nvbd, "metrics", NULL);
      if (vdi && strcmp (sim_row_str (vbd, "type"), "CD") != 0)
        {
          SimRow *nvdi = copy_vdi (sim, vdi, sr);
          if (snapshot)
            {
              sim_row_set_bool (sim, nvdi, "is_a_snapshot", TRUE);
              sim_row_set_ref (sim, nvdi, "snapshot_of", vdi);
              sim_row_set (sim, nvdi, "snapshot_time", sv_now (0));
            }
          sim_row_set_ref (sim, nvbd, "VDI", nvdi);
        }
    }
  a = json_node_get_array (sim_row_value (vm, "VIFs"));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      SimRow *vif = sim_db_find (sim, json_array_get_string_element (a, i));
      SimRow *nvif;
      g_autofree char *mac = NULL;
      if (vif == NULL)
        continue;
      nvif = sim_db_copy_row (sim, vif);
      mac = g_strdup_printf ("aa:%02x:%02x:%02x:%02x:%02x", g_random_int_range (0, 256), g_random_int_range (0, 256),
                             g_random_int_range (0, 256), g_random_int_range (0, 256), g_random_int_range (0, 256));
      sim_row_set_ref (sim, nvif, "VM", n);
      sim_row_set_bool (sim, nvif, "currently_attached", FALSE);
      sim_row_set_ref (sim, nvif, "metrics", NULL);
      if (!snapshot)
        sim_row_set_str (sim, nvif, "MAC", mac);
    }
  sim_vm_update_allowed (sim, n);
  return n;
}

static void
fin_clone (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *sr = op->data ? sim_db_find (sim, op->data) : NULL;
  SimRow *n = copy_vm (sim, vm, op->s1, sr, FALSE);

  sim_call_return (op->call, sv_str (n->ref));
}

static void
h_vm_clone (SimCall *call)
{
  SimOp *op;
  VM_ARG (call);
  if (!vm_check (call, vm, "clone", "halted|suspended"))
    return;
  op = sim_op_start (call, vm, "clone", sim_scaled (call->sim, 2.0), fin_clone, op_cancelled);
  if (op)
    op->s1 = g_strdup (sim_arg_str (call, 1));
}

static void
h_vm_copy (SimCall *call)
{
  SimOp *op;
  SimRow *sr;
  VM_ARG (call);
  if (!vm_check (call, vm, "copy", "halted|suspended"))
    return;
  sr = sim_db_find (call->sim, sim_arg_str (call, 2));
  op = sim_op_start (call, vm, "copy", sim_scaled (call->sim, 8.0), fin_clone, op_cancelled);
  if (op)
    {
      op->s1 = g_strdup (sim_arg_str (call, 1));
      if (sr)
        {
          op->data = g_strdup (sr->ref);
          op->data_free = g_free;
        }
    }
}

static void
fin_snapshot (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *n = copy_vm (sim, vm, op->s1, NULL, TRUE);
  SimRow *prev = sim_row_deref (sim, vm, "parent");

  sim_row_set_ref (sim, n, "parent", prev);
  sim_row_set_ref (sim, vm, "parent", n);
  if (op->i1)
    {
      sim_row_set_str (sim, n, "power_state", "Suspended");
      sim_row_set_str (sim, n, "last_booted_record", "<checkpoint/>");
    }
  sim_vm_update_allowed (sim, n);
  sim_call_return (op->call, sv_str (n->ref));
}

static void
h_vm_snapshot (SimCall *call)
{
  SimOp *op;
  VM_ARG (call);
  if (!vm_check (call, vm, "snapshot", "halted|running|paused|suspended"))
    return;
  op = sim_op_start (call, vm, "snapshot", sim_scaled (call->sim, 2.0), fin_snapshot, op_cancelled);
  if (op)
    op->s1 = g_strdup (sim_arg_str (call, 1));
}

static void
h_vm_checkpoint (SimCall *call)
{
  SimOp *op;
  VM_ARG (call);
  if (!vm_check (call, vm, "checkpoint", "running"))
    return;
  op = sim_op_start (call, vm, "checkpoint", sim_scaled (call->sim, 5.0), fin_snapshot, op_cancelled);
  if (op)
    {
      op->s1 = g_strdup (sim_arg_str (call, 1));
      op->i1 = TRUE;
    }
}

static void
fin_revert (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *snap = op_vm (op);
  SimRow *vm = sim_row_deref (sim, snap, "snapshot_of");

  if (vm)
    {
      if (sim_row_deref (sim, vm, "resident_on"))
        vm_power_to (sim, vm, NULL, "Halted");
      sim_row_set_ref (sim, vm, "parent", snap);
      sim_row_set_int (sim, vm, "memory_static_max", sim_row_int (snap, "memory_static_max"));
      sim_row_set_int (sim, vm, "VCPUs_max", sim_row_int (snap, "VCPUs_max"));
      sim_vm_update_allowed (sim, vm);
    }
  sim_call_return (op->call, NULL);
}

static void
h_vm_revert (SimCall *call)
{
  VM_ARG (call);
  if (!sim_row_bool (vm, "is_a_snapshot"))
    {
      sim_call_failf (call, "VM_NOT_A_SNAPSHOT", vm->ref, NULL);
      return;
    }
  sim_op_start (call, vm, "revert", sim_scaled (call->sim, 3.0), fin_revert, op_cancelled);
}

/* VM.provision: the disks of other_config:disks, a <provision> element
 * of <disk device size sr bootable type/> (xapi_templates.ml): each a new
 * VDI in the SR of that uuid, or the pool's default SR when sr is empty,
 * and a VBD; then the key is removed. */
typedef struct {
  GPtrArray *disks;   /* GHashTable* of attributes */
} ProvisionSpec;

static void
provision_start (GMarkupParseContext *ctx,
                 const char          *element,
                 const char         **names,
                 const char         **values,
                 gpointer             data,
                 GError             **error)
{
  ProvisionSpec *spec = data;
  GHashTable *attrs;

  if (strcmp (element, "disk") != 0)
    return;
  attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; names[i] != NULL; i++)
    g_hash_table_insert (attrs, g_strdup (names[i]), g_strdup (values[i]));
  g_ptr_array_add (spec->disks, attrs);
}

static SimRow *
sr_by_uuid (Sim        *sim,
            const char *uuid)
{
  g_autoptr(GPtrArray) srs = sim_rows_array (sim_model_class (sim->model, "SR"));

  for (guint i = 0; i < srs->len; i++)
    if (g_strcmp0 (sim_row_str (srs->pdata[i], "uuid"), uuid) == 0)
      return srs->pdata[i];
  return NULL;
}

static void
fin_provision (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  const char *xml = sim_row_map_get (vm, "other_config", "disks");
  ProvisionSpec spec = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref) };
  static const GMarkupParser parser = { provision_start, NULL, NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;

  if (xml != NULL)
    {
      GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &spec, NULL);
      if (!g_markup_parse_context_parse (ctx, xml, -1, &error) || !g_markup_parse_context_end_parse (ctx, &error))
        {
          g_markup_parse_context_free (ctx);
          g_ptr_array_unref (spec.disks);
          sim_call_failf (op->call, "INTERNAL_ERROR", error->message, NULL);
          return;
        }
      g_markup_parse_context_free (ctx);
    }
  /* every SR first: nothing is made when one is missing */
  for (guint i = 0; i < spec.disks->len; i++)
    {
      const char *uuid = g_hash_table_lookup (spec.disks->pdata[i], "sr");
      if (uuid != NULL && *uuid != '\0' && sr_by_uuid (sim, uuid) == NULL)
        {
          sim_call_failf (op->call, "UUID_INVALID", "sr", uuid, NULL);
          g_ptr_array_unref (spec.disks);
          return;
        }
      if ((uuid == NULL || *uuid == '\0') && sim_row_deref (sim, sim_pool (sim), "default_SR") == NULL)
        {
          sim_call_failf (op->call, "UUID_INVALID", "sr", "", NULL);
          g_ptr_array_unref (spec.disks);
          return;
        }
    }
  for (guint i = 0; i < spec.disks->len; i++)
    {
      GHashTable *d = spec.disks->pdata[i];
      const char *uuid = g_hash_table_lookup (d, "sr");
      const char *size = g_hash_table_lookup (d, "size");
      const char *device = g_hash_table_lookup (d, "device");
      const char *bootable = g_hash_table_lookup (d, "bootable");
      const char *type = g_hash_table_lookup (d, "type");
      SimRow *sr = uuid != NULL && *uuid != '\0' ? sr_by_uuid (sim, uuid) : sim_row_deref (sim, sim_pool (sim), "default_SR");
      SimRow *vdi = sim_db_add (sim, "VDI", NULL);
      SimRow *vbd = sim_db_add (sim, "VBD", NULL);
      /* xapi names the VDI after its device */
      sim_row_set_str (sim, vdi, "name_label", device ? device : "0");
      sim_row_set_str (sim, vdi, "name_description", "Created by template provisioner");
      sim_row_set_str (sim, vdi, "type", g_strcmp0 (type, "system") == 0 ? "system" : "user");
      sim_row_set_int (sim, vdi, "virtual_size", size ? g_ascii_strtoll (size, NULL, 10) : 10LL << 30);
      sim_row_set_ref (sim, vdi, "SR", sr);
      sim_row_set_ref (sim, vbd, "VM", vm);
      sim_row_set_ref (sim, vbd, "VDI", vdi);
      sim_row_set_str (sim, vbd, "userdevice", device ? device : "0");
      sim_row_set_str (sim, vbd, "type", "Disk");
      sim_row_set_str (sim, vbd, "mode", "RW");
      sim_row_set_bool (sim, vbd, "bootable", g_strcmp0 (bootable, "true") == 0);
      sim_row_set_bool (sim, vbd, "unpluggable", g_strcmp0 (type, "system") != 0);
    }
  g_ptr_array_unref (spec.disks);
  sim_row_map_remove (sim, vm, "other_config", "disks");
  sim_call_return (op->call, NULL);
}

static void
h_vm_provision (SimCall *call)
{
  VM_ARG (call);
  if (vm_check (call, vm, "provision", "halted"))
    sim_op_start (call, vm, "provision", sim_scaled (call->sim, 2.0), fin_provision, op_cancelled);
}

static void
destroy_vm (Sim    *sim,
            SimRow *vm)
{
  const char *sets[] = { "VBDs", "VIFs", "consoles", "VGPUs", "VUSBs", "VTPMs", "crash_dumps" };

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      JsonNode *n = sim_row_value (vm, sets[s]);
      while (n && json_array_get_length (json_node_get_array (n)) > 0)
        {
          SimRow *d = sim_db_find (sim, json_array_get_string_element (json_node_get_array (n), 0));
          if (d == NULL)
            break;
          sim_db_remove (sim, d);
          n = sim_row_value (vm, sets[s]);
        }
    }
  {
    SimRow *m = sim_row_deref (sim, vm, "metrics");
    SimRow *gm = sim_row_deref (sim, vm, "guest_metrics");
    if (m)
      sim_db_remove (sim, m);
    if (gm)
      sim_db_remove (sim, gm);
  }
  sim_db_remove (sim, vm);
}

static void
h_vm_destroy (SimCall *call)
{
  VM_ARG (call);
  if (!vm_check (call, vm, "destroy", "halted|suspended"))
    return;
  destroy_vm (call->sim, vm);
  sim_call_return (call, NULL);
}

/* ---------------------------------------------------------------- migration */

static void
fin_pool_migrate (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *host = sim_db_find (sim, op->s1);

  vm_power_to (sim, vm, host, sim_row_str (vm, "power_state"));
  sim_message_new (sim, "VM_MIGRATED", 5, vm, "VM migrated");
  sim_call_return (op->call, NULL);
}

static void
h_vm_pool_migrate (SimCall *call)
{
  SimRow *host;
  SimOp *op;
  VM_ARG (call);
  host = sim_arg_row (call, 1);
  if (host == NULL || !vm_check (call, vm, "pool_migrate", "running"))
    return;
  if (host == sim_row_deref (call->sim, vm, "resident_on"))
    {
      sim_call_failf (call, "HOST_CANNOT_ATTACH_NETWORK", host->ref, "OpaqueRef:NULL", NULL);
      return;
    }
  if (!check_host_memory (call, vm, host))
    return;
  op = sim_op_start (call, vm, "pool_migrate", sim_scaled (call->sim, 6.0), fin_pool_migrate, op_cancelled);
  if (op)
    op->s1 = g_strdup (host->ref);
}

/* host.migrate_receive (host, network, options): a session on the
 * destination for the sender, and the URLs it pushes the VM to.  As xapi,
 * the network must reach @host through a PIF with an address. */
static void
h_host_migrate_receive (SimCall *call)
{
  Sim *sim = call->sim;
  SimRow *host = sim_arg_row (call, 0);
  SimRow *net, *pif = NULL, *caller, *s;
  JsonNode *pifs;
  g_autofree char *url = NULL;
  g_autofree char *hurl = NULL;
  g_autofree char *xenops = NULL;
  g_autofree char *sm = NULL;
  int hi;

  if (host == NULL || (net = sim_arg_row (call, 1)) == NULL)
    return;
  pifs = sim_row_value (net, "PIFs");
  for (guint i = 0; pifs && i < json_array_get_length (json_node_get_array (pifs)) && pif == NULL; i++)
    {
      SimRow *p = sim_db_find (sim, json_array_get_string_element (json_node_get_array (pifs), i));
      if (p && sim_row_deref (sim, p, "host") == host)
        pif = p;
    }
  if (pif == NULL)
    {
      sim_call_failf (call, "HOST_CANNOT_ATTACH_NETWORK", host->ref, net->ref, NULL);
      return;
    }
  if (g_strcmp0 (sim_row_str (pif, "IP"), "") == 0)
    {
      if (g_strcmp0 (sim_row_str (pif, "ip_configuration_mode"), "None") == 0)
        sim_call_failf (call, "PIF_HAS_NO_NETWORK_CONFIGURATION", pif->ref, NULL);
      else
        sim_call_failf (call, "INTERFACE_HAS_NO_IP", pif->ref, NULL);
      return;
    }
  /* a new session for the sender, with the rights of the caller's */
  caller = sim_session_get (sim, call->session_ref);
  s = sim_db_add (sim, "session", NULL);
  sim_row_set_ref (sim, s, "this_host", host);
  sim_row_set (sim, s, "last_active", sv_now (0));
  sim_row_set (sim, s, "validation_time", sv_now (0));
  sim_row_set_bool (sim, s, "is_local_superuser", caller == NULL || sim_row_bool (caller, "is_local_superuser"));
  sim_row_set_str (sim, s, "auth_user_name", caller ? sim_row_str (caller, "auth_user_name") : "");
  url = sim_host_url (sim, sim->master);
  hi = sim_host_index (sim, host);
  hurl = sim_host_url (sim, hi >= 0 ? hi : sim->master);
  xenops = g_strdup_printf ("%s/services/xenops?session_id=%s", hurl, s->ref);
  sm = g_strdup_printf ("%s/services/SM?session_id=%s", hurl, s->ref);
  sim_call_return (call, sv_strmap ("master", url, "xenops", xenops, "SM", sm, "host", host->ref,
                                    "session_id", s->ref, NULL));
}

/* ---- VM.assert_can_migrate and VM.migrate_send
 *
 * (self, dest, live, vdi_map, vif_map, options[, vgpu_map]).  Checked as
 * xapi_vm_migrate.ml does: every disk (not CDs) in vdi_map, and for a
 * cross-pool move every VIF in vif_map (or another VIF with its MAC), the
 * "copy" option only for halted VMs, the destination host enabled with
 * enough free memory, the mapped SRs and networks there.  A destination
 * host this pool knows is an intra-pool storage migration; otherwise the
 * simulator pushes the VM to the other simulator through its API with
 * the session of the token: VM.create, VDI.create + VBD.create per disk
 * (in the mapped SR), VBD.create for CDs (empty), VIF.create on the mapped
 * networks, VM.start_on for a live VM (the domain arrives there); then the
 * VM and its disks are gone from here.  Any failure there destroys what
 * was created on the destination and leaves the VM here. */

static SimRow *sr_missing_on_host (Sim *sim, SimRow *vm, SimRow *host);

typedef struct _Mig Mig;
typedef void (*MigNext) (Mig *m, JsonNode *result);

struct _Mig {
  SimCall     *call;
  Sim         *sim;
  char        *vm_ref;
  gboolean     send;
  gboolean     copy;
  gboolean     live;
  SoupSession *soup;
  char        *url;
  char        *session;
  char        *host;
  JsonObject  *vdi_map;   /* owned refs */
  JsonObject  *vif_map;
  GPtrArray   *srs;       /* distinct destination SRs */
  GPtrArray   *nets;
  GPtrArray   *vbds;      /* source VBD refs */
  GPtrArray   *vifs;
  GPtrArray   *made_vdis; /* on the destination, for the rollback */
  char        *new_vm;
  char        *new_vdi;
  guint        i;
  int          steps;
  int          step;
  GStrv        error;     /* failure being rolled back */
  MigNext      next;
};

static void
mig_free (Mig *m)
{
  g_clear_object (&m->soup);
  g_free (m->vm_ref);
  g_free (m->url);
  g_free (m->session);
  g_free (m->host);
  g_clear_pointer (&m->vdi_map, json_object_unref);
  g_clear_pointer (&m->vif_map, json_object_unref);
  g_clear_pointer (&m->srs, g_ptr_array_unref);
  g_clear_pointer (&m->nets, g_ptr_array_unref);
  g_clear_pointer (&m->vbds, g_ptr_array_unref);
  g_clear_pointer (&m->vifs, g_ptr_array_unref);
  g_clear_pointer (&m->made_vdis, g_ptr_array_unref);
  g_free (m->new_vm);
  g_free (m->new_vdi);
  g_strfreev (m->error);
  g_free (m);
}

static void
mig_progress (Mig *m)
{
  SimRow *task = m->call->task_ref ? sim_db_find (m->sim, m->call->task_ref) : NULL;

  m->step++;
  if (task && m->steps > 0)
    sim_row_set_float (m->sim, task, "progress", floor (MIN (m->step, m->steps) * 100.0 / (m->steps + 1)) / 100.0);
}

static void
mig_end (Mig  *m,
         GStrv error)   /* owned; NULL: success */
{
  SimRow *vm = sim_db_find (m->sim, m->vm_ref);

  if (vm && m->send && m->call->task_ref)
    sim_row_map_remove (m->sim, vm, "current_operations", m->call->task_ref);
  if (vm)
    sim_vm_update_allowed (m->sim, vm);
  if (error)
    sim_call_fail (m->call, error);
  else if (m->send)
    sim_call_return (m->call, sv_str (m->new_vm ? m->new_vm : m->vm_ref));
  else
    sim_call_return (m->call, NULL);
  mig_free (m);
}

static void mig_rollback (Mig *m, JsonNode *result);
static void mig_started (Mig *m, JsonNode *result);

static gboolean
mig_cancelled (Mig *m)
{
  SimOp *op = m->call->task_ref ? g_hash_table_lookup (m->sim->ops, m->call->task_ref) : NULL;

  return op != NULL && op->cancelled;
}

/* task.cancel only marks the op; the transfer looks at it between steps */
static void
mig_op_cancel (SimOp *op)
{
}

static void
mig_reply (GObject      *source,
           GAsyncResult *res,
           gpointer      data)
{
  Mig *m = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o = NULL;
  GStrv err = NULL;
  JsonNode *result = NULL;

  if (body && json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    o = json_node_get_object (json_parser_get_root (parser));
  if (o == NULL)
    {
      g_autoptr(GUri) u = g_uri_parse (m->url, G_URI_FLAGS_NONE, NULL);
      err = sim_error ("CANNOT_CONTACT_HOST", u ? g_uri_get_host (u) : m->url, NULL);
    }
  else if (json_object_has_member (o, "error"))
    {
      JsonObject *e = json_object_get_object_member (o, "error");
      JsonArray *d = e && json_object_has_member (e, "data") ? json_object_get_array_member (e, "data") : NULL;
      GStrvBuilder *b = g_strv_builder_new ();
      g_strv_builder_add (b, e && json_object_has_member (e, "message")
                             ? json_object_get_string_member (e, "message") : "INTERNAL_ERROR");
      for (guint i = 0; d && i < json_array_get_length (d); i++)
        {
          JsonNode *n = json_array_get_element (d, i);
          g_strv_builder_add (b, JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                                 ? json_node_get_string (n) : "");
        }
      err = g_strv_builder_end (b);
      g_strv_builder_unref (b);
    }
  else
    result = json_object_get_member (o, "result");

  /* task.cancel: checked between the steps, as xapi does between disks;
   * once the domain runs there it is too late */
  if (err == NULL && m->error == NULL && m->next != mig_started && mig_cancelled (m))
    err = sim_error ("TASK_CANCELLED", m->call->task_ref, NULL);

  if (err == NULL)
    m->next (m, result);
  else if (m->error != NULL)         /* already rolling back: go on */
    {
      g_strfreev (err);
      m->next (m, NULL);
    }
  else
    {
      m->error = err;
      mig_rollback (m, NULL);
    }
}

static gboolean
mig_accept_cert (SoupMessage *msg, GTlsCertificate *c, GTlsCertificateFlags e, gpointer d)
{
  return TRUE;
}

/* Calls @method on the destination with the token's session, then @next. */
static void
mig_remote (Mig        *m,
            MigNext     next,
            const char *method,
            ...)
{
  g_autoptr(JsonBuilder) jb = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *target = g_strconcat (m->url, "/jsonrpc", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SoupMessage *msg;
  JsonNode *root, *arg;
  va_list ap;

  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, "jsonrpc");
  json_builder_add_string_value (jb, "2.0");
  json_builder_set_member_name (jb, "method");
  json_builder_add_string_value (jb, method);
  json_builder_set_member_name (jb, "id");
  json_builder_add_int_value (jb, 1);
  json_builder_set_member_name (jb, "params");
  json_builder_begin_array (jb);
  json_builder_add_string_value (jb, m->session);
  va_start (ap, method);
  while ((arg = va_arg (ap, JsonNode *)) != NULL)
    json_builder_add_value (jb, arg);   /* takes it */
  va_end (ap);
  json_builder_end_array (jb);
  json_builder_end_object (jb);
  root = json_builder_get_root (jb);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);

  m->next = next;
  msg = soup_message_new ("POST", target);
  if (msg == NULL)
    {
      mig_end (m, sim_error ("CANNOT_CONTACT_HOST", m->url, NULL));
      return;
    }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (mig_accept_cert), NULL);
  {
    gsize len = strlen (text);
    bytes = g_bytes_new_take (g_steal_pointer (&text), len);
  }
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (m->soup, msg, G_PRIORITY_DEFAULT, NULL, mig_reply, m);
  g_object_unref (msg);
}

/* ---- rollback on the destination */

static void
mig_rollback_vdis (Mig      *m,
                   JsonNode *result)
{
  if (m->made_vdis->len > 0)
    {
      g_autofree char *vdi = g_ptr_array_steal_index (m->made_vdis, m->made_vdis->len - 1);
      mig_remote (m, mig_rollback_vdis, "VDI.destroy", sv_str (vdi), NULL);
      return;
    }
  mig_end (m, g_steal_pointer (&m->error));
}

static void
mig_rollback (Mig      *m,
              JsonNode *result)
{
  if (m->new_vm != NULL)
    {
      g_autofree char *vm = g_steal_pointer (&m->new_vm);
      mig_remote (m, mig_rollback_vdis, "VM.destroy", sv_str (vm), NULL);
      return;
    }
  mig_rollback_vdis (m, NULL);
}

/* ---- the transfer */

static JsonNode *
mig_map_get (JsonObject *map,
             const char *key)
{
  JsonNode *n = map && json_object_has_member (map, key) ? json_object_get_member (map, key) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING ? n : NULL;
}

static void
mig_done (Mig      *m,
          JsonNode *result)
{
  SimRow *vm = sim_db_find (m->sim, m->vm_ref);

  mig_progress (m);
  if (vm && !m->copy)
    {
      /* the disks moved with the VM */
      JsonNode *vbds = sim_row_value (vm, "VBDs");
      g_autoptr(GPtrArray) vdis = g_ptr_array_new ();

      for (guint i = 0; vbds && i < json_array_get_length (json_node_get_array (vbds)); i++)
        {
          SimRow *vbd = sim_db_find (m->sim, json_array_get_string_element (json_node_get_array (vbds), i));
          SimRow *vdi = vbd && !sim_row_bool (vbd, "empty") && g_strcmp0 (sim_row_str (vbd, "type"), "CD") != 0
                        ? sim_row_deref (m->sim, vbd, "VDI") : NULL;
          if (vdi)
            g_ptr_array_add (vdis, vdi->ref);
        }
      if (sim_row_deref (m->sim, vm, "resident_on"))
        vm_power_to (m->sim, vm, NULL, "Halted");
      sim_message_new (m->sim, "VM_MIGRATED", 5, vm, "VM migrated to another pool");
      {
        g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func (g_free);
        for (guint i = 0; i < vdis->len; i++)
          g_ptr_array_add (refs, g_strdup (vdis->pdata[i]));
        destroy_vm (m->sim, vm);
        for (guint i = 0; i < refs->len; i++)
          {
            SimRow *vdi = sim_db_find (m->sim, refs->pdata[i]);
            if (vdi)
              sim_db_remove (m->sim, vdi);
          }
      }
    }
  mig_end (m, NULL);
}

static void
mig_started (Mig      *m,
             JsonNode *result)
{
  mig_done (m, NULL);
}

static void mig_next_vif (Mig *m, JsonNode *result);

static void
mig_next_vif (Mig      *m,
              JsonNode *result)
{
  SimRow *vif;

  mig_progress (m);
  if (m->i >= m->vifs->len)
    {
      SimRow *vm = sim_db_find (m->sim, m->vm_ref);
      if (vm && m->live && (strcmp (sim_row_str (vm, "power_state"), "Running") == 0
                            || strcmp (sim_row_str (vm, "power_state"), "Paused") == 0))
        mig_remote (m, mig_started, "VM.start_on", sv_str (m->new_vm), sv_str (m->host), sv_bool (FALSE),
                    sv_bool (TRUE), NULL);
      else
        mig_done (m, NULL);
      return;
    }
  vif = sim_db_find (m->sim, m->vifs->pdata[m->i++]);
  {
    JsonNode *rec = json_node_new (JSON_NODE_OBJECT);
    JsonObject *o = json_object_new ();
    JsonNode *net = mig_map_get (m->vif_map, vif->ref);
    json_node_take_object (rec, o);
    json_object_set_string_member (o, "device", sim_row_str (vif, "device"));
    json_object_set_string_member (o, "network", net ? json_node_get_string (net) : "OpaqueRef:NULL");
    json_object_set_string_member (o, "VM", m->new_vm);
    json_object_set_string_member (o, "MAC", sim_row_str (vif, "MAC"));
    json_object_set_int_member (o, "MTU", sim_row_int (vif, "MTU"));
    json_object_set_member (o, "other_config", json_node_copy (sim_row_value (vif, "other_config")));
    json_object_set_string_member (o, "qos_algorithm_type", sim_row_str (vif, "qos_algorithm_type"));
    json_object_set_member (o, "qos_algorithm_params", json_node_copy (sim_row_value (vif, "qos_algorithm_params")));
    mig_remote (m, mig_next_vif, "VIF.create", rec, NULL);
  }
}

static void mig_next_vbd (Mig *m, JsonNode *result);

static void
mig_vdi_made (Mig      *m,
              JsonNode *result)
{
  SimRow *vbd = sim_db_find (m->sim, m->vbds->pdata[m->i - 1]);
  JsonNode *rec = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();

  g_ptr_array_add (m->made_vdis, g_strdup (json_node_get_string (result)));
  json_node_take_object (rec, o);
  json_object_set_string_member (o, "VM", m->new_vm);
  json_object_set_string_member (o, "VDI", json_node_get_string (result));
  json_object_set_string_member (o, "userdevice", sim_row_str (vbd, "userdevice"));
  json_object_set_boolean_member (o, "bootable", sim_row_bool (vbd, "bootable"));
  json_object_set_string_member (o, "mode", sim_row_str (vbd, "mode"));
  json_object_set_string_member (o, "type", sim_row_str (vbd, "type"));
  json_object_set_boolean_member (o, "unpluggable", sim_row_bool (vbd, "unpluggable"));
  json_object_set_boolean_member (o, "empty", FALSE);
  json_object_set_member (o, "other_config", json_node_copy (sim_row_value (vbd, "other_config")));
  json_object_set_string_member (o, "qos_algorithm_type", "");
  json_object_set_member (o, "qos_algorithm_params", sv_empty_map ());
  mig_remote (m, mig_next_vbd, "VBD.create", rec, NULL);
}

static void
mig_next_vbd (Mig      *m,
              JsonNode *result)
{
  SimRow *vbd, *vdi;

  mig_progress (m);
  if (m->i >= m->vbds->len)
    {
      m->i = 0;
      mig_next_vif (m, NULL);
      return;
    }
  vbd = sim_db_find (m->sim, m->vbds->pdata[m->i++]);
  vdi = !sim_row_bool (vbd, "empty") && strcmp (sim_row_str (vbd, "type"), "CD") != 0
        ? sim_row_deref (m->sim, vbd, "VDI") : NULL;
  if (vdi == NULL)
    {
      /* CDs arrive empty, as xapi ejects what is not in the VDI map */
      JsonNode *rec = json_node_new (JSON_NODE_OBJECT);
      JsonObject *o = json_object_new ();
      json_node_take_object (rec, o);
      json_object_set_string_member (o, "VM", m->new_vm);
      json_object_set_string_member (o, "VDI", "OpaqueRef:NULL");
      json_object_set_string_member (o, "userdevice", sim_row_str (vbd, "userdevice"));
      json_object_set_boolean_member (o, "bootable", sim_row_bool (vbd, "bootable"));
      json_object_set_string_member (o, "mode", "RO");
      json_object_set_string_member (o, "type", sim_row_str (vbd, "type"));
      json_object_set_boolean_member (o, "unpluggable", sim_row_bool (vbd, "unpluggable"));
      json_object_set_boolean_member (o, "empty", TRUE);
      json_object_set_member (o, "other_config", sv_empty_map ());
      json_object_set_string_member (o, "qos_algorithm_type", "");
      json_object_set_member (o, "qos_algorithm_params", sv_empty_map ());
      mig_remote (m, mig_next_vbd, "VBD.create", rec, NULL);
      return;
    }
  {
    JsonNode *rec = json_node_new (JSON_NODE_OBJECT);
    JsonObject *o = json_object_new ();
    JsonNode *sr = mig_map_get (m->vdi_map, vdi->ref);
    json_node_take_object (rec, o);
    json_object_set_string_member (o, "name_label", sim_row_str (vdi, "name_label"));
    json_object_set_string_member (o, "name_description", sim_row_str (vdi, "name_description"));
    json_object_set_string_member (o, "SR", json_node_get_string (sr));
    json_object_set_int_member (o, "virtual_size", sim_row_int (vdi, "virtual_size"));
    json_object_set_string_member (o, "type", sim_row_str (vdi, "type"));
    json_object_set_boolean_member (o, "sharable", sim_row_bool (vdi, "sharable"));
    json_object_set_boolean_member (o, "read_only", sim_row_bool (vdi, "read_only"));
    json_object_set_member (o, "other_config", json_node_copy (sim_row_value (vdi, "other_config")));
    json_object_set_member (o, "xenstore_data", sv_empty_map ());
    json_object_set_member (o, "sm_config", sv_empty_map ());
    json_object_set_member (o, "tags", json_node_copy (sim_row_value (vdi, "tags")));
    mig_remote (m, mig_vdi_made, "VDI.create", rec, NULL);
  }
}

static void
mig_vm_made (Mig      *m,
             JsonNode *result)
{
  m->new_vm = g_strdup (json_node_get_string (result));
  m->i = 0;
  mig_next_vbd (m, NULL);
}

/* The VM record without its references and runtime fields. */
static JsonNode *
mig_vm_record (Mig    *m,
               SimRow *vm)
{
  JsonNode *rec = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();

  json_node_take_object (rec, o);
  for (guint i = 0; i < vm->cls->fields->len; i++)
    {
      SimField *f = vm->cls->fields->pdata[i];
      SimType *t = f->type;

      /* the state of the domain stays here */
      static const char *const runtime[] = { "power_state", "domid", "domarch", "current_operations",
                                             "allowed_operations", "requires_reboot", "last_boot_CPU_flags",
                                             "pending_guidances", "pending_guidances_recommended",
                                             "pending_guidances_full", "is_a_template", "is_a_snapshot",
                                             "is_control_domain", "snapshot_time", "transportable_snapshot_id",
                                             "snapshot_info", "snapshot_metadata", NULL };

      if (g_strv_contains (runtime, f->name) || f->is_reverse || (gint) f->index == vm->cls->uuid
          || vm->v[f->index] == NULL || t->kind == SIM_T_REF
          || ((t->kind == SIM_T_SET || t->kind == SIM_T_OPTION) && t->elem->kind == SIM_T_REF)
          || (t->kind == SIM_T_MAP && (t->key->kind == SIM_T_REF || t->elem->kind == SIM_T_REF)))
        continue;
      json_object_set_member (o, f->name, json_node_copy (vm->v[f->index]));
    }
  if (strcmp (sim_row_str (vm, "power_state"), "Suspended") == 0)
    json_object_set_string_member (o, "power_state", "Suspended");
  return rec;
}

static void
mig_checked (Mig      *m,
             JsonNode *result)
{
  SimRow *vm = sim_db_find (m->sim, m->vm_ref);

  if (!m->send)
    {
      mig_end (m, NULL);
      return;
    }
  if (vm == NULL)
    {
      mig_end (m, sim_error ("HANDLE_INVALID", "VM", m->vm_ref, NULL));
      return;
    }
  mig_progress (m);
  mig_remote (m, mig_vm_made, "VM.create", mig_vm_record (m, vm), NULL);
}

static void
mig_check_net (Mig      *m,
               JsonNode *result)
{
  if (m->i < m->nets->len)
    {
      mig_remote (m, mig_check_net, "network.get_uuid", sv_str (m->nets->pdata[m->i++]), NULL);
      return;
    }
  mig_checked (m, NULL);
}

static void
mig_check_sr (Mig      *m,
              JsonNode *result)
{
  if (m->i < m->srs->len)
    {
      mig_remote (m, mig_check_sr, "SR.get_uuid", sv_str (m->srs->pdata[m->i++]), NULL);
      return;
    }
  m->i = 0;
  mig_check_net (m, NULL);
}

static void
mig_memory (Mig      *m,
            JsonNode *result)
{
  SimRow *vm = sim_db_find (m->sim, m->vm_ref);
  gint64 need = vm ? sim_row_int (vm, "memory_static_max") : 0;
  gint64 avail = result && JSON_NODE_HOLDS_VALUE (result) ? json_node_get_int (result) : 0;

  if (avail < need)
    {
      g_autofree char *n = g_strdup_printf ("%" G_GINT64_FORMAT, need);
      g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT, avail);
      mig_end (m, sim_error ("HOST_NOT_ENOUGH_FREE_MEMORY", n, a, NULL));
      return;
    }
  m->i = 0;
  mig_check_sr (m, NULL);
}

static void
mig_host_metrics (Mig      *m,
                  JsonNode *result)
{
  mig_remote (m, mig_memory, "host_metrics.get_memory_free", json_node_copy (result), NULL);
}

static void
mig_host_enabled (Mig      *m,
                  JsonNode *result)
{
  SimRow *vm = sim_db_find (m->sim, m->vm_ref);

  if (result == NULL || !JSON_NODE_HOLDS_VALUE (result) || !json_node_get_boolean (result))
    {
      mig_end (m, sim_error ("HOST_DISABLED", m->host, NULL));
      return;
    }
  if (vm && strcmp (sim_row_str (vm, "power_state"), "Halted") != 0)
    mig_remote (m, mig_host_metrics, "host.get_metrics", sv_str (m->host), NULL);
  else
    {
      m->i = 0;
      mig_check_sr (m, NULL);
    }
}

static void
collect_refs (GPtrArray  *into,
              JsonObject *map)
{
  JsonObjectIter it;
  const char *k;
  JsonNode *v;

  json_object_iter_init (&it, map);
  while (json_object_iter_next (&it, &k, &v))
    if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING
        && !g_ptr_array_find_with_equal_func (into, json_node_get_string (v), g_str_equal, NULL))
      g_ptr_array_add (into, g_strdup (json_node_get_string (v)));
}

/* intra-pool: storage moves to the mapped SRs, the VM to the host */
static void
fin_migrate_intra (SimOp *op)
{
  Sim *sim = op->call->sim;
  SimRow *vm = op_vm (op);
  SimRow *host = sim_db_find (sim, op->s1);
  JsonObject *map = op->data;
  JsonNode *vbds = sim_row_value (vm, "VBDs");

  for (guint i = 0; vbds && i < json_array_get_length (json_node_get_array (vbds)); i++)
    {
      SimRow *vbd = sim_db_find (sim, json_array_get_string_element (json_node_get_array (vbds), i));
      SimRow *vdi = vbd && !sim_row_bool (vbd, "empty") ? sim_row_deref (sim, vbd, "VDI") : NULL;
      JsonNode *sr = vdi ? mig_map_get (map, vdi->ref) : NULL;
      SimRow *to = sr ? sim_db_find (sim, json_node_get_string (sr)) : NULL;
      if (to && to != sim_row_deref (sim, vdi, "SR"))
        sim_row_set_ref (sim, vdi, "SR", to);
    }
  if (sim_row_deref (sim, vm, "resident_on") != NULL)
    vm_power_to (sim, vm, host, sim_row_str (vm, "power_state"));
  sim_message_new (sim, "VM_MIGRATED", 5, vm, "VM migrated");
  sim_call_return (op->call, sv_str (vm->ref));
}

static void
migrate_common (SimCall *call,
                gboolean send)
{
  Sim *sim = call->sim;
  JsonNode *dest = sim_arg (call, 1);
  JsonNode *vdi_map = sim_arg (call, 3);
  JsonNode *vif_map = sim_arg (call, 4);
  JsonNode *options = sim_arg (call, 5);
  JsonObject *d, *opts;
  const char *master, *session, *host_ref, *copy;
  SimRow *host;
  JsonNode *vbds, *vifs;
  Mig *m;
  VM_ARG (call);

  if (!vm_check (call, vm, send ? "migrate_send" : "assert_can_migrate", "running|halted|suspended"))
    return;
  d = dest && JSON_NODE_HOLDS_OBJECT (dest) ? json_node_get_object (dest) : NULL;
  master = d && json_object_has_member (d, "master") ? json_object_get_string_member (d, "master") : NULL;
  session = d && json_object_has_member (d, "session_id") ? json_object_get_string_member (d, "session_id") : NULL;
  host_ref = d && json_object_has_member (d, "host") ? json_object_get_string_member (d, "host") : NULL;
  if (!master || !session || !host_ref)
    {
      sim_call_failf (call, "INTERNAL_ERROR", "Not_found", NULL);
      return;
    }
  opts = options && JSON_NODE_HOLDS_OBJECT (options) ? json_node_get_object (options) : NULL;
  copy = opts && json_object_has_member (opts, "copy") ? json_object_get_string_member (opts, "copy") : NULL;

  /* every disk in the VDI map */
  vbds = sim_row_value (vm, "VBDs");
  for (guint i = 0; vbds && i < json_array_get_length (json_node_get_array (vbds)); i++)
    {
      SimRow *vbd = sim_db_find (sim, json_array_get_string_element (json_node_get_array (vbds), i));
      SimRow *vdi;
      if (vbd == NULL || sim_row_bool (vbd, "empty") || strcmp (sim_row_str (vbd, "type"), "CD") == 0)
        continue;
      vdi = sim_row_deref (sim, vbd, "VDI");
      if (vdi && (vdi_map == NULL || !JSON_NODE_HOLDS_OBJECT (vdi_map)
                  || mig_map_get (json_node_get_object (vdi_map), vdi->ref) == NULL))
        {
          sim_call_failf (call, "VDI_NOT_IN_MAP", vdi->ref, NULL);
          return;
        }
    }

  host = sim_db_get (sim, sim_model_class (sim->model, "host"), host_ref);
  if (host != NULL)
    {
      /* intra-pool */
      SimRow *sr;
      SimOp *op;

      if (vif_map && JSON_NODE_HOLDS_OBJECT (vif_map) && json_object_get_size (json_node_get_object (vif_map)) > 0)
        {
          sim_call_failf (call, "OPERATION_NOT_ALLOWED",
                          "VIF mapping is not allowed for intra-pool migration -all VIFs must be on the same network",
                          NULL);
          return;
        }
      if (strcmp (sim_row_str (vm, "power_state"), "Halted") != 0 && sim_row_deref (sim, vm, "resident_on") != host
          && !check_host_memory (call, vm, host))
        return;
      if (!sim_row_bool (host, "enabled"))
        {
          sim_call_failf (call, "HOST_DISABLED", host->ref, NULL);
          return;
        }
      {
        JsonObjectIter it;
        const char *k;
        JsonNode *v;
        if (vdi_map && JSON_NODE_HOLDS_OBJECT (vdi_map))
          json_object_iter_init (&it, json_node_get_object (vdi_map));
        while (vdi_map && JSON_NODE_HOLDS_OBJECT (vdi_map) && json_object_iter_next (&it, &k, &v))
          if (JSON_NODE_HOLDS_VALUE (v) && sim_db_get (sim, sim_model_class (sim->model, "SR"),
                                                       json_node_get_string (v)) == NULL)
            {
              sim_call_failf (call, "HANDLE_INVALID", "SR", json_node_get_string (v), NULL);
              return;
            }
      }
      (void) sr;
      if (!send)
        {
          sim_call_return (call, NULL);
          return;
        }
      op = sim_op_start (call, vm, "migrate_send", sim_scaled (sim, 6.0), fin_migrate_intra, op_cancelled);
      if (op)
        {
          op->s1 = g_strdup (host->ref);
          op->data = vdi_map && JSON_NODE_HOLDS_OBJECT (vdi_map) ? json_object_ref (json_node_get_object (vdi_map))
                                                                 : json_object_new ();
          op->data_free = (GDestroyNotify) json_object_unref;
        }
      return;
    }

  /* cross-pool */
  if (copy && g_ascii_strcasecmp (copy, "true") == 0 && strcmp (sim_row_str (vm, "power_state"), "Halted") != 0)
    {
      sim_call_failf (call, "VM_BAD_POWER_STATE", vm->ref, "halted", lower_state (vm), NULL);
      return;
    }
  vifs = sim_row_value (vm, "VIFs");
  for (guint i = 0; vifs && i < json_array_get_length (json_node_get_array (vifs)); i++)
    {
      const char *ref = json_array_get_string_element (json_node_get_array (vifs), i);
      SimRow *vif = sim_db_find (sim, ref);
      JsonObject *vm_map = vif_map && JSON_NODE_HOLDS_OBJECT (vif_map) ? json_node_get_object (vif_map) : NULL;
      gboolean mapped = vm_map && mig_map_get (vm_map, ref) != NULL;

      /* or another mapped VIF with the same MAC */
      for (guint j = 0; vif && vm_map && !mapped && j < json_array_get_length (json_node_get_array (vifs)); j++)
        {
          SimRow *o = sim_db_find (sim, json_array_get_string_element (json_node_get_array (vifs), j));
          if (o && o != vif && mig_map_get (vm_map, o->ref) && g_strcmp0 (sim_row_str (o, "MAC"),
                                                                          sim_row_str (vif, "MAC")) == 0)
            {
              json_object_set_member (vm_map, ref, json_node_copy (mig_map_get (vm_map, o->ref)));
              mapped = TRUE;
            }
        }
      if (!mapped)
        {
          sim_call_failf (call, "VIF_NOT_IN_MAP", ref, NULL);
          return;
        }
    }

  m = g_new0 (Mig, 1);
  m->call = call;
  m->sim = sim;
  m->send = send;
  m->copy = copy && g_ascii_strcasecmp (copy, "true") == 0;
  m->live = TRUE;
  m->vm_ref = g_strdup (vm->ref);
  m->url = g_strdup (master);
  while (g_str_has_suffix (m->url, "/"))
    m->url[strlen (m->url) - 1] = '\0';
  m->session = g_strdup (session);
  m->host = g_strdup (host_ref);
  m->vdi_map = vdi_map && JSON_NODE_HOLDS_OBJECT (vdi_map) ? json_object_ref (json_node_get_object (vdi_map))
                                                           : json_object_new ();
  m->vif_map = vif_map && JSON_NODE_HOLDS_OBJECT (vif_map) ? json_object_ref (json_node_get_object (vif_map))
                                                           : json_object_new ();
  m->srs = g_ptr_array_new_with_free_func (g_free);
  m->nets = g_ptr_array_new_with_free_func (g_free);
  m->vbds = g_ptr_array_new_with_free_func (g_free);
  m->vifs = g_ptr_array_new_with_free_func (g_free);
  m->made_vdis = g_ptr_array_new_with_free_func (g_free);
  collect_refs (m->srs, m->vdi_map);
  collect_refs (m->nets, m->vif_map);
  for (guint i = 0; vbds && i < json_array_get_length (json_node_get_array (vbds)); i++)
    g_ptr_array_add (m->vbds, g_strdup (json_array_get_string_element (json_node_get_array (vbds), i)));
  for (guint i = 0; vifs && i < json_array_get_length (json_node_get_array (vifs)); i++)
    g_ptr_array_add (m->vifs, g_strdup (json_array_get_string_element (json_node_get_array (vifs), i)));
  m->steps = 3 + m->vbds->len + m->vifs->len;
  m->soup = soup_session_new ();
  if (send && call->task_ref)
    {
      sim_row_map_put_str (sim, vm, "current_operations", call->task_ref, "migrate_send");
      sim_vm_update_allowed (sim, vm);
    }
  if (send && call->task_ref && call->async)
    {
      /* cancellable: an op without a timer, freed when the call returns */
      SimOp *op = g_new0 (SimOp, 1);
      op->call = call;
      op->opname = g_strdup ("migrate_send");
      op->started = g_get_monotonic_time ();
      op->cancel = mig_op_cancel;
      call->op = op;
      g_hash_table_replace (sim->ops, g_strdup (call->task_ref), op);
    }
  mig_remote (m, mig_host_enabled, "host.get_enabled", sv_str (host_ref), NULL);
}

static void
h_vm_assert_can_migrate (SimCall *call)
{
  migrate_common (call, FALSE);
}

static void
h_vm_migrate_send (SimCall *call)
{
  migrate_common (call, TRUE);
}

/* The SR of every disk of @vm must be plugged on @host. */
static SimRow *
sr_missing_on_host (Sim    *sim,
                    SimRow *vm,
                    SimRow *host)
{
  JsonNode *vbds = sim_row_value (vm, "VBDs");

  for (guint i = 0; vbds && i < json_array_get_length (json_node_get_array (vbds)); i++)
    {
      SimRow *vbd = sim_db_find (sim, json_array_get_string_element (json_node_get_array (vbds), i));
      SimRow *vdi = vbd && !sim_row_bool (vbd, "empty") ? sim_row_deref (sim, vbd, "VDI") : NULL;
      SimRow *sr = vdi ? sim_row_deref (sim, vdi, "SR") : NULL;
      JsonNode *pbds = sr ? sim_row_value (sr, "PBDs") : NULL;
      gboolean ok = FALSE;

      if (sr == NULL)
        continue;
      for (guint j = 0; pbds && j < json_array_get_length (json_node_get_array (pbds)) && !ok; j++)
        {
          SimRow *pbd = sim_db_find (sim, json_array_get_string_element (json_node_get_array (pbds), j));
          ok = pbd && sim_row_deref (sim, pbd, "host") == host && sim_row_bool (pbd, "currently_attached");
        }
      if (!ok)
        return sr;
    }
  return NULL;
}

static void
h_vm_assert_can_boot_here (SimCall *call)
{
  Sim *sim = call->sim;
  SimRow *host;
  SimRow *sr;
  VM_ARG (call);

  host = sim_arg_row (call, 1);
  if (host == NULL)
    return;
  if (!vm_check (call, vm, "start_on", NULL))
    return;
  if (sim_row_deref (sim, vm, "resident_on") != host && !check_host_memory (call, vm, host))
    return;
  if (!sim_row_bool (host, "enabled"))
    {
      sim_call_failf (call, "HOST_DISABLED", host->ref, NULL);
      return;
    }
  sr = sr_missing_on_host (sim, vm, host);
  if (sr != NULL)
    {
      sim_call_failf (call, "VM_REQUIRES_SR", vm->ref, sr->ref, NULL);
      return;
    }
  sim_call_return (call, NULL);
}

/* VM.set_memory_limits (self, static_min, static_max, dynamic_min,
 * dynamic_max) and VM.set_memory_dynamic_range (self, min, max): xapi
 * checks static_min <= dynamic_min <= dynamic_max <= static_max. */
static gboolean
memory_int_arg (SimCall *call,
                guint    i,
                gint64  *out)
{
  JsonNode *n = sim_arg (call, i);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    {
      sim_call_failf (call, "FIELD_TYPE_ERROR", "memory", NULL);
      return FALSE;
    }
  *out = json_node_get_int (n);
  return TRUE;
}

static void
set_memory (SimCall *call,
            SimRow  *vm,
            gint64   smin,
            gint64   smax,
            gint64   dmin,
            gint64   dmax)
{
  Sim *sim = call->sim;

  if (!(smin <= dmin && dmin <= dmax && dmax <= smax))
    {
      sim_call_failf (call, "MEMORY_CONSTRAINT_VIOLATION",
                      "Memory limits must satisfy: static_min <= dynamic_min <= dynamic_max <= static_max",
                      NULL);
      return;
    }
  sim_row_set_int (sim, vm, "memory_static_min", smin);
  sim_row_set_int (sim, vm, "memory_static_max", smax);
  sim_row_set_int (sim, vm, "memory_dynamic_min", dmin);
  sim_row_set_int (sim, vm, "memory_dynamic_max", dmax);
  sim_call_return (call, NULL);
}

static void
h_vm_set_memory_limits (SimCall *call)
{
  gint64 smin, smax, dmin, dmax;
  VM_ARG (call);

  if (!memory_int_arg (call, 1, &smin) || !memory_int_arg (call, 2, &smax) ||
      !memory_int_arg (call, 3, &dmin) || !memory_int_arg (call, 4, &dmax))
    return;
  if (!sim_row_bool (vm, "is_a_template") && !vm_check (call, vm, "changing_memory_limits", "halted"))
    return;
  set_memory (call, vm, smin, smax, dmin, dmax);
}

static void
h_vm_set_memory_dynamic_range (SimCall *call)
{
  gint64 dmin, dmax;
  VM_ARG (call);

  if (!memory_int_arg (call, 1, &dmin) || !memory_int_arg (call, 2, &dmax))
    return;
  set_memory (call, vm, sim_row_int (vm, "memory_static_min"), sim_row_int (vm, "memory_static_max"),
              dmin, dmax);
}

/* VM.set_VCPUs_max / set_VCPUs_at_startup (self, value): xapi wants a
 * halted VM and 0 < VCPUs_at_startup <= VCPUs_max. */
static void
set_vcpus (SimCall *call,
           gboolean max)
{
  JsonNode *n = sim_arg (call, 1);
  gint64 value, other;
  VM_ARG (call);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    {
      sim_call_failf (call, "FIELD_TYPE_ERROR", "value", NULL);
      return;
    }
  if (!sim_row_bool (vm, "is_a_template") && !vm_check (call, vm, "changing_VCPUs", "halted"))
    return;
  value = json_node_get_int (n);
  other = sim_row_int (vm, max ? "VCPUs_at_startup" : "VCPUs_max");
  if (value < 1 || (max ? value < other : value > other))
    {
      g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, value);
      sim_call_failf (call, "INVALID_VALUE", max ? "VCPUs_max" : "VCPUs_at_startup", v,
                      "VCPU values must satisfy: 0 < VCPUs_at_startup <= VCPUs_max", NULL);
      return;
    }
  sim_row_set_int (call->sim, vm, max ? "VCPUs_max" : "VCPUs_at_startup", value);
  sim_call_return (call, NULL);
}

static void
h_vm_set_vcpus_max (SimCall *call)
{
  set_vcpus (call, TRUE);
}

static void
h_vm_set_vcpus_at_startup (SimCall *call)
{
  set_vcpus (call, FALSE);
}

void
sim_ops_init (Sim *sim)
{
  sim_register (sim, "VM.start", h_vm_start);
  sim_register (sim, "VM.set_VCPUs_max", h_vm_set_vcpus_max);
  sim_register (sim, "VM.set_VCPUs_at_startup", h_vm_set_vcpus_at_startup);
  sim_register (sim, "VM.start_on", h_vm_start_on);
  sim_register (sim, "VM.clean_shutdown", h_vm_clean_shutdown);
  sim_register (sim, "VM.hard_shutdown", h_vm_hard_shutdown);
  sim_register (sim, "VM.shutdown", h_vm_shutdown);
  sim_register (sim, "VM.clean_reboot", h_vm_clean_reboot);
  sim_register (sim, "VM.hard_reboot", h_vm_hard_reboot);
  sim_register (sim, "VM.suspend", h_vm_suspend);
  sim_register (sim, "VM.resume", h_vm_resume);
  sim_register (sim, "VM.resume_on", h_vm_resume_on);
  sim_register (sim, "VM.pause", h_vm_pause);
  sim_register (sim, "VM.unpause", h_vm_unpause);
  sim_register (sim, "VM.clone", h_vm_clone);
  sim_register (sim, "VM.copy", h_vm_copy);
  sim_register (sim, "VM.snapshot", h_vm_snapshot);
  sim_register (sim, "VM.checkpoint", h_vm_checkpoint);
  sim_register (sim, "VM.revert", h_vm_revert);
  sim_register (sim, "VM.provision", h_vm_provision);
  sim_register (sim, "VM.destroy", h_vm_destroy);
  sim_register (sim, "VM.pool_migrate", h_vm_pool_migrate);
  sim_register (sim, "VM.migrate_send", h_vm_migrate_send);
  sim_register (sim, "host.migrate_receive", h_host_migrate_receive);
  sim_register (sim, "VM.assert_can_migrate", h_vm_assert_can_migrate);
  sim_register (sim, "VM.set_memory_limits", h_vm_set_memory_limits);
  sim_register (sim, "VM.assert_can_boot_here", h_vm_assert_can_boot_here);
  sim_register (sim, "VM.set_memory_dynamic_range", h_vm_set_memory_dynamic_range);
  (void) is_vm_power;
  sim_ops2_init (sim);
}
