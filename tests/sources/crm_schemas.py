"""CRM-shaped schemas for the SQL tests: SuiteCRM on MariaDB, Odoo on PostgreSQL.

Both are trimmed to the columns a referral mapping reads, but keep the shapes that make these
CRMs awkward: SuiteCRM keeps e-mail addresses in ``email_addresses`` joined to leads through
``email_addr_bean_rel`` (with soft-delete flags everywhere) and stores naive UTC ``DATETIME``s;
Odoo resolves country and stage through foreign keys, keeps translatable names in ``jsonb`` and
stores naive UTC ``timestamp``s in ``write_date``.
"""

from __future__ import annotations

SUITECRM_DDL = [
    """CREATE TABLE leads (
        id CHAR(36) NOT NULL PRIMARY KEY,
        date_entered DATETIME NULL,
        date_modified DATETIME NULL,
        deleted TINYINT(1) NOT NULL DEFAULT 0,
        first_name VARCHAR(100) NULL,
        last_name VARCHAR(100) NULL,
        account_name VARCHAR(255) NULL,
        primary_address_country VARCHAR(255) NULL,
        phone_work VARCHAR(100) NULL,
        status VARCHAR(100) NULL,
        description TEXT NULL
    ) CHARACTER SET utf8mb4""",
    """CREATE TABLE email_addresses (
        id CHAR(36) NOT NULL PRIMARY KEY,
        email_address VARCHAR(255) NULL,
        email_address_caps VARCHAR(255) NULL,
        invalid_email TINYINT(1) DEFAULT 0,
        opt_out TINYINT(1) DEFAULT 0,
        deleted TINYINT(1) DEFAULT 0
    ) CHARACTER SET utf8mb4""",
    """CREATE TABLE email_addr_bean_rel (
        id CHAR(36) NOT NULL PRIMARY KEY,
        email_address_id CHAR(36) NOT NULL,
        bean_id CHAR(36) NOT NULL,
        bean_module VARCHAR(100) NOT NULL,
        primary_address TINYINT(1) DEFAULT 0,
        deleted TINYINT(1) DEFAULT 0
    ) CHARACTER SET utf8mb4""",
]

SUITECRM_QUERY = """
SELECT l.id, l.first_name, l.last_name, l.account_name, l.primary_address_country,
       l.phone_work, l.description, ea.email_address, l.date_modified
FROM leads l
LEFT JOIN email_addr_bean_rel r
       ON r.bean_id = l.id AND r.bean_module = 'Leads' AND r.primary_address = 1
      AND r.deleted = 0
LEFT JOIN email_addresses ea ON ea.id = r.email_address_id AND ea.deleted = 0
WHERE l.deleted = 0
"""

ODOO_DDL = [
    """CREATE TABLE res_country (
        id serial PRIMARY KEY,
        name jsonb NOT NULL,
        code varchar(2)
    )""",
    """CREATE TABLE crm_stage (
        id serial PRIMARY KEY,
        name jsonb NOT NULL,
        sequence integer
    )""",
    """CREATE TABLE crm_lead (
        id serial PRIMARY KEY,
        name varchar NOT NULL,
        partner_name varchar,
        email_from varchar,
        phone varchar,
        country_id integer REFERENCES res_country(id) ON DELETE SET NULL,
        stage_id integer REFERENCES crm_stage(id) ON DELETE SET NULL,
        type varchar NOT NULL DEFAULT 'lead',
        active boolean DEFAULT true,
        expected_revenue numeric,
        date_deadline date,
        create_date timestamp without time zone,
        write_date timestamp without time zone,
        x_referral_id varchar,
        x_referral_status varchar,
        x_referral_synced_at timestamp with time zone,
        x_referral_error text
    )""",
]

ODOO_QUERY = """
SELECT l.id, l.name, l.partner_name, l.email_from, l.phone, c.code AS country_code,
       s.name->>'en_US' AS stage, l.expected_revenue, l.write_date
FROM crm_lead l
LEFT JOIN res_country c ON c.id = l.country_id
LEFT JOIN crm_stage s ON s.id = l.stage_id
WHERE l.active AND l.type = 'opportunity'
"""
