-- Odoo 17 CRM, trimmed to the tables and columns refsync reads, for PostgreSQL.
-- Written by data/samples/generate.py; load with: psql DBNAME -f odoo.sql
CREATE TABLE res_country (id SERIAL PRIMARY KEY, name JSONB NOT NULL, code VARCHAR(2));
CREATE TABLE res_country_state (
  id SERIAL PRIMARY KEY, country_id INTEGER NOT NULL REFERENCES res_country(id),
  name VARCHAR NOT NULL, code VARCHAR NOT NULL
);
CREATE TABLE res_currency (id SERIAL PRIMARY KEY, name VARCHAR(3) NOT NULL, symbol VARCHAR);
CREATE TABLE res_company (
  id SERIAL PRIMARY KEY, name VARCHAR NOT NULL,
  currency_id INTEGER NOT NULL REFERENCES res_currency(id)
);
CREATE TABLE res_partner (
  id SERIAL PRIMARY KEY, name VARCHAR, email VARCHAR, phone VARCHAR, is_company BOOLEAN
);
CREATE TABLE res_users (
  id SERIAL PRIMARY KEY, login VARCHAR NOT NULL, partner_id INTEGER REFERENCES res_partner(id),
  company_id INTEGER REFERENCES res_company(id), active BOOLEAN DEFAULT TRUE
);
CREATE TABLE crm_stage (
  id SERIAL PRIMARY KEY, name JSONB NOT NULL, sequence INTEGER, is_won BOOLEAN DEFAULT FALSE
);
CREATE TABLE crm_lead (
  id SERIAL PRIMARY KEY,
  name VARCHAR NOT NULL,
  type VARCHAR NOT NULL DEFAULT 'lead',
  active BOOLEAN DEFAULT TRUE,
  partner_name VARCHAR,
  contact_name VARCHAR,
  email_from VARCHAR,
  phone VARCHAR,
  street VARCHAR,
  street2 VARCHAR,
  city VARCHAR,
  zip VARCHAR,
  state_id INTEGER REFERENCES res_country_state(id),
  country_id INTEGER REFERENCES res_country(id),
  expected_revenue NUMERIC,
  probability DOUBLE PRECISION,
  date_deadline DATE,
  stage_id INTEGER REFERENCES crm_stage(id),
  user_id INTEGER REFERENCES res_users(id),
  company_id INTEGER REFERENCES res_company(id),
  priority VARCHAR DEFAULT '0',
  description TEXT,
  create_date TIMESTAMP,
  write_date TIMESTAMP
);
CREATE INDEX crm_lead_write_date_index ON crm_lead (write_date);

INSERT INTO res_country (id, name, code) VALUES
  (1, '{"en_US": "Australia"}', 'AU'),
  (2, '{"en_US": "Canada"}', 'CA'),
  (3, '{"en_US": "France"}', 'FR'),
  (4, '{"en_US": "Germany"}', 'DE'),
  (5, '{"en_US": "Netherlands"}', 'NL'),
  (6, '{"en_US": "Spain"}', 'ES'),
  (7, '{"en_US": "Sweden"}', 'SE'),
  (8, '{"en_US": "United Kingdom"}', 'GB'),
  (9, '{"en_US": "United States"}', 'US');
INSERT INTO res_country_state (id, country_id, name, code) VALUES
  (1, 9, 'Washington', 'WA'),
  (2, 9, 'Texas', 'TX'),
  (3, 9, 'Massachusetts', 'MA');
INSERT INTO res_currency (id, name, symbol) VALUES
  (1, 'EUR', '€'),
  (2, 'USD', '$');
INSERT INTO res_company (id, name, currency_id) VALUES
  (1, 'Fabrikam GmbH', 1);
INSERT INTO res_partner (id, name, email, phone, is_company) VALUES
  (1, 'Luke Johnson', 'luke.johnson@fabrikam.com', '+49 30 9018201', FALSE),
  (2, 'Priya Raman', 'priya.raman@fabrikam.com', '+49 30 9018202', FALSE),
  (3, 'Tomás Herrera', 'tomas.herrera@fabrikam.com', '+49 30 9018203', FALSE);
INSERT INTO res_users (id, login, partner_id, company_id, active) VALUES
  (1, 'luke', 1, 1, TRUE),
  (2, 'priya', 2, 1, TRUE),
  (3, 'tomás', 3, 1, TRUE);
INSERT INTO crm_stage (id, name, sequence, is_won) VALUES
  (1, '{"en_US": "New", "de_DE": "Neu"}', 1, FALSE),
  (2, '{"en_US": "Qualified", "de_DE": "Qualifiziert"}', 2, FALSE),
  (3, '{"en_US": "Proposition", "de_DE": "Angebot"}', 3, FALSE),
  (4, '{"en_US": "Won", "de_DE": "Gewonnen"}', 4, TRUE);
INSERT INTO crm_lead (id, name, type, active, partner_name, contact_name, email_from, phone, street, street2, city, zip, state_id, country_id, expected_revenue, probability, date_deadline, stage_id, user_id, company_id, priority, description, create_date, write_date) VALUES
  (1, 'Fabric data platform (Wingtip Toys)', 'opportunity', TRUE, 'Wingtip Toys', 'Quinn Hansen', 'quinn.hansen@wingtiptoys.example', '+31 10 192 8458', 'Keizersgracht 272', NULL, 'Amsterdam', '1012 AB', NULL, 5, 231000, 30.0, '2027-12-03', 2, 1, 1, '3', NULL, '2026-10-02 03:04:00', '2026-10-22 03:04:00'),
  (2, 'Teams Phone migration (Contoso)', 'opportunity', TRUE, 'Contoso', 'Ben Kowalski', 'ben.kowalski@contoso.example', '08-12 13 29', 'Drottninggatan 98', NULL, 'Stockholm', '111 22', NULL, 7, 72000, 30.0, '2027-07-06', 1, 1, 1, '0', '<p>Asked for a Microsoft co-sell.</p>', '2026-10-07 16:49:00', '2026-10-27 16:49:00'),
  (3, 'Azure landing zone (Margie''s Travel)', 'opportunity', TRUE, 'Margie''s Travel', 'Zoë Jensen', 'zoë.jensen@margiestravel.example', '+1 201-526-5479', 'Congress Avenue 289', NULL, 'Austin', '78701', 2, NULL, 52000, 30.0, '2027-01-21', 2, 1, 1, '3', '<p>Wants <b>Azure</b> landing zone help.</p>', '2026-10-14 07:15:00', '2026-11-03 07:15:00'),
  (4, 'Microsoft 365 E5 rollout (Fabrikam Fiber)', 'lead', TRUE, 'Fabrikam Fiber', 'Farid Müller', 'farid.müller@fabrikamfiber.example', '(506) 586-9751', 'King Street West 282', NULL, 'Toronto', 'M5H 2N2', NULL, 2, 248000, 30.0, '2027-10-07', 2, 2, 1, '1', NULL, '2026-10-29 06:48:00', '2026-11-18 06:48:00'),
  (5, 'Defender XDR (Fabrikam Fiber)', 'opportunity', TRUE, 'Fabrikam Fiber', 'Elena Müller', 'elena.müller@fabrikamfiber.example', '030 166945', 'Marienplatz 84', NULL, 'München', '80331', NULL, 4, 189000, 30.0, '2027-03-24', 1, 1, 1, '3', '<p>Asked for a Microsoft co-sell.</p>', '2026-10-24 01:37:00', '2026-11-13 01:37:00'),
  (6, 'Copilot readiness (VanArsdel)', 'opportunity', TRUE, 'VanArsdel', 'Noah Fischer', 'noah.fischer@vanarsdel.example', '(201) 790-6984', 'Congress Avenue 47', NULL, 'Austin', '78701', 2, 9, 71000, 30.0, NULL, 3, 3, 1, '3', '<p>Asked for a Microsoft co-sell.</p>', '2026-10-22 22:08:00', '2026-11-11 22:08:00'),
  (7, 'Azure Virtual Desktop (Northwind Traders)', 'opportunity', TRUE, 'Northwind Traders', 'Chloé Rossi', 'chloé.rossi@northwindtraders.example', '08-12 26 55', 'Drottninggatan 232', NULL, 'Stockholm', '111 22', NULL, 7, 242000, 30.0, '2027-02-10', 2, 1, 1, '3', NULL, '2026-10-13 01:03:00', '2026-11-02 01:03:00'),
  (8, 'Dynamics 365 Sales (Fourth Coffee)', 'opportunity', FALSE, 'Fourth Coffee', 'Jonas Schmidt', 'jonas.schmidt@fourthcoffee.example', '010 164 7602', 'Keizersgracht 125', NULL, 'Amsterdam', '1012 AB', NULL, 5, 190000, 30.0, '2027-11-12', 1, 3, 1, '3', '<p>Wants <b>Azure</b> landing zone help.</p>', '2026-10-27 04:50:00', '2026-11-16 04:50:00'),
  (9, 'Microsoft 365 E5 rollout (Graphic Design Institute)', 'opportunity', TRUE, 'Graphic Design Institute', 'Zoë Fischer', 'zoë.fischer@graphicdesigninstitute.example', '+49 30 101662', 'Marienplatz 267', NULL, 'München', '80331', NULL, 4, 129000, 30.0, '2027-06-13', 1, 1, 1, '2', '<p>Wants <b>Azure</b> landing zone help.</p>', '2026-10-16 15:26:00', '2026-11-05 15:26:00'),
  (10, 'Dynamics 365 Sales (Fabrikam Fiber)', 'opportunity', TRUE, 'Fabrikam Fiber', 'Pedro Patel', 'sales at contoso', '030 154412', 'Marienplatz 69', NULL, 'München', '80331', NULL, 4, 205000, 30.0, '2027-05-13', 2, 1, 1, '3', '<p>Wants <b>Azure</b> landing zone help.</p>', '2026-10-15 06:53:00', '2026-11-04 06:53:00'),
  (11, 'Fabric data platform (Litware)', 'opportunity', TRUE, 'Litware', 'Ximena O''Brien', 'ximena.obrien@litware.example', '+46 8 12 83 14', 'Drottninggatan 151', NULL, 'Stockholm', '111 22', NULL, 7, 162000, 30.0, '2027-08-15', 4, 1, 1, '2', '<p>Asked for a Microsoft co-sell.</p>', '2026-10-30 20:27:00', '2026-11-19 20:27:00'),
  (12, 'Power BI analytics (Bellows College)', 'opportunity', TRUE, 'Bellows College', 'Ingrid Nakamura', 'ingrid.nakamura@bellowscollege.example', '08-12 56 53', 'Drottninggatan 223', NULL, 'Stockholm', '111 22', NULL, 7, 122000, 30.0, '2027-06-06', 3, 3, 1, '1', NULL, '2026-10-26 04:59:00', '2026-11-15 04:59:00'),
  (13, 'Fabric data platform (Northwind Traders)', 'opportunity', TRUE, 'Northwind Traders', 'Tara Kowalski', 'tara.kowalski@northwindtraders.example', '030 159757', 'Friedrichstraße 51', NULL, 'Berlin', '10117', NULL, 4, 130000, 30.0, '2027-11-25', 1, 3, 1, '1', '<p>Asked for a Microsoft co-sell.</p>', '2026-10-29 21:41:00', '2026-11-18 21:41:00'),
  (14, 'Azure landing zone (Litware)', 'opportunity', TRUE, 'Litware', 'Liam Eriksson', 'liam.eriksson@litware.example', '+1 506-557-5016', 'King Street West 168', NULL, 'Toronto', 'M5H 2N2', NULL, 2, 153000, 30.0, '2027-06-14', 2, 2, 1, '3', NULL, '2026-10-12 04:29:00', '2026-11-01 04:29:00');
SELECT setval('res_country_id_seq', (SELECT MAX(id) FROM res_country));
SELECT setval('res_country_state_id_seq', (SELECT MAX(id) FROM res_country_state));
SELECT setval('res_currency_id_seq', (SELECT MAX(id) FROM res_currency));
SELECT setval('res_company_id_seq', (SELECT MAX(id) FROM res_company));
SELECT setval('res_partner_id_seq', (SELECT MAX(id) FROM res_partner));
SELECT setval('res_users_id_seq', (SELECT MAX(id) FROM res_users));
SELECT setval('crm_stage_id_seq', (SELECT MAX(id) FROM crm_stage));
SELECT setval('crm_lead_id_seq', (SELECT MAX(id) FROM crm_lead));
