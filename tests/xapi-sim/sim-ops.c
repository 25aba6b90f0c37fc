/* sim-ops.c: operations as state machines (VM lifecycle, storage, network,
 * hosts, pool)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
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
                    const char *state)
{
  SimRow *metrics = sim_row_deref (sim, vm, "metrics");
  static gint64 next_domid = 1;

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
          sim_row_set_str (sim, metrics, "state", strcmp (state, "Paused") == 0 ? "paused" : "running");
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
          sim_row_set_str (sim, metrics, "state", strcmp (state, "Suspended") == 0 ? "suspended" : "halted");
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

void
sim_ops_init (Sim *sim)
{
  (void) is_vm_power;
}
