/* main.c: XenPools entry point
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "xp-application.h"
#include "xapi-rpc.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(XpApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* every channel is pinned: no CA bundle parsed at each connection */
  xapi_tls_trust_no_authority ();
  app = xp_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
