# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "CRM Extension: After-Sales Service",
    "summary": "Customer feedback, service levels, dispatch, spare parts, "
    "installed base, returns and a 360-degree customer view",
    "version": "18.0.1.0.0",
    "category": "After-Sales",
    "license": "AGPL-3",
    "author": "crm_extension developers",
    "website": "https://github.com/crm-extension/crm_extension",
    "depends": [
        "mail",
        "portal",
        "rating",
        "crm",
        "account",
        "sale_management",
        "sale_stock",
        "helpdesk_mgmt",
        "helpdesk_mgmt_rating",
    ],
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/customer_feedback_data.xml",
        "views/menus.xml",
        "views/customer_feedback_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "data/res_partner_data.xml",
        "report/customer_360_report.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
    ],
    "development_status": "Alpha",
    "application": True,
    "installable": True,
}
