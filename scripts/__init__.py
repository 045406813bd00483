"""Command-line tools for crm_extension: the run and test commands
(``devstack``), the odoorpc client factory (``client``) and its CLI. Nothing
here imports Odoo: it talks to a server over XML-RPC."""
