/* sim-statedb.c: load a real xapi state.db XML dump
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "sim.h"

gboolean
sim_statedb_load (Sim         *sim,
                  const char  *path,
                  GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "state.db loading not implemented yet: %s", path);
  return FALSE;
}
