-- SuiteCRM 7 leads, trimmed to the columns refsync reads, for MariaDB/MySQL.
-- Written by data/samples/generate.py; load with: mariadb DBNAME < suitecrm.sql
CREATE TABLE users (
  id CHAR(36) NOT NULL PRIMARY KEY,
  user_name VARCHAR(60),
  first_name VARCHAR(255),
  last_name VARCHAR(255),
  phone_work VARCHAR(50),
  deleted TINYINT(1) NOT NULL DEFAULT 0
);
CREATE TABLE leads (
  id CHAR(36) NOT NULL PRIMARY KEY,
  date_entered DATETIME,
  date_modified DATETIME,
  deleted TINYINT(1) NOT NULL DEFAULT 0,
  assigned_user_id CHAR(36),
  salutation VARCHAR(255),
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  title VARCHAR(100),
  phone_work VARCHAR(100),
  account_name VARCHAR(255),
  primary_address_street VARCHAR(150),
  primary_address_city VARCHAR(100),
  primary_address_state VARCHAR(100),
  primary_address_postalcode VARCHAR(20),
  primary_address_country VARCHAR(255),
  status VARCHAR(100),
  lead_source VARCHAR(100),
  opportunity_amount VARCHAR(50),
  description TEXT,
  converted TINYINT(1) NOT NULL DEFAULT 0,
  KEY idx_leads_date_modified (date_modified)
);
CREATE TABLE leads_cstm (
  id_c CHAR(36) NOT NULL PRIMARY KEY,
  close_date_c DATE,
  currency_c VARCHAR(3)
);
CREATE TABLE email_addresses (
  id CHAR(36) NOT NULL PRIMARY KEY,
  email_address VARCHAR(255),
  email_address_caps VARCHAR(255),
  invalid_email TINYINT(1) DEFAULT 0,
  opt_out TINYINT(1) DEFAULT 0,
  deleted TINYINT(1) NOT NULL DEFAULT 0
);
CREATE TABLE email_addr_bean_rel (
  id CHAR(36) NOT NULL PRIMARY KEY,
  email_address_id CHAR(36) NOT NULL,
  bean_id CHAR(36),
  bean_module VARCHAR(100),
  primary_address TINYINT(1) DEFAULT 0,
  reply_to_address TINYINT(1) DEFAULT 0,
  deleted TINYINT(1) NOT NULL DEFAULT 0,
  KEY idx_email_bean (bean_id, bean_module)
);

INSERT INTO users (id, user_name, first_name, last_name, phone_work, deleted) VALUES
  ('62b4852e-c879-4761-bb28-e9cf9c71da20', 'luke', 'Luke', 'Johnson', '+1 425 882 8080', 0),
  ('f083324d-f55c-4728-974c-bec56bef6bbd', 'priya', 'Priya', 'Raman', '+1 425 882 8081', 0),
  ('1efea5ef-c3ed-4201-b91d-b217e9a096cf', 'tomás', 'Tomás', 'Herrera', '+1 425 882 8082', 0);
INSERT INTO leads (id, date_entered, date_modified, deleted, assigned_user_id, salutation, first_name, last_name, title, phone_work, account_name, primary_address_street, primary_address_city, primary_address_state, primary_address_postalcode, primary_address_country, status, lead_source, opportunity_amount, description, converted) VALUES
  ('933ac2ec-ae7e-4a49-8b8a-95842b008029', '2026-10-19 19:42:00', '2026-11-18 19:42:00', 0, '1efea5ef-c3ed-4201-b91d-b217e9a096cf', 'Mr.', 'Jonas', 'Young', 'CIO', '+33 1 23 28 73 68', 'Lucerne Publishing', '132 Rue de Rivoli', 'Paris', 'Île-de-France', '75008', 'France', 'Assigned', 'Email', '129000', NULL, 0),
  ('73ee0284-0a3e-4971-9d33-558b9405a809', '2026-10-20 09:02:00', '2026-11-19 09:02:00', 0, '1efea5ef-c3ed-4201-b91d-b217e9a096cf', 'Mr.', 'Hiro', 'Müller', 'IT Director', '030 166492', 'VanArsdel', '65 Marienplatz', 'München', 'Bayern', '80331', 'Germany', 'New', 'Web Site', '183000', 'Wants a Copilot pilot.', 0),
  ('d2865c4a-9493-4142-b51d-b6f229ee79e6', '2026-09-25 12:22:00', '2026-10-25 12:22:00', 0, 'f083324d-f55c-4728-974c-bec56bef6bbd', 'Mr.', 'Mia', 'Baker', 'CIO', '+1 201-768-2588', 'Fourth Coffee', '213 NE 36th Street', 'Redmond', 'WA', '98052', 'USA', 'New', 'Trade Show', '499000', 'Wants a Copilot pilot.', 0),
  ('fac2f4a2-4933-46fc-ab80-8dae4192bfb1', '2026-09-30 14:39:00', '2026-10-30 14:39:00', 0, '62b4852e-c879-4761-bb28-e9cf9c71da20', 'Mr.', 'Liam', 'Nakamura', 'CIO', '0121 063 1453', 'Margie''s Travel', '208 High Holborn', 'London', NULL, 'EC1A 1BB', 'Atlantis', 'Assigned', 'Email', '372000', NULL, 0),
  ('76fac483-f081-458c-82d1-32b096373ff6', '2026-10-06 07:25:00', '2026-11-05 07:25:00', 0, 'f083324d-f55c-4728-974c-bec56bef6bbd', 'Mr.', 'Sven', 'Dubois', 'IT Director', '+1 506-457-7571', 'Alpine Ski House', '13 King Street West', 'Toronto', 'ON', 'M5H 2N2', 'Canada', 'In Process', 'Web Site', '281000', 'Renewal in Q3.', 0),
  ('8aba3981-9d3a-415a-bfe6-f0cc17f8d956', '2026-09-24 15:30:00', '2026-10-24 15:30:00', 0, '62b4852e-c879-4761-bb28-e9cf9c71da20', 'Mr.', 'Ingrid', 'Müller', 'IT Director', '030 130591', 'Wingtip Toys', '220 Friedrichstraße', 'Berlin', 'Berlin', '10117', 'Germany', 'Assigned', 'Web Site', '361000', 'Renewal in Q3.', 0),
  ('86d6c7cc-b116-447d-ae82-5e95fae3dcc2', '2026-10-13 14:37:00', '2026-11-12 14:37:00', 0, '62b4852e-c879-4761-bb28-e9cf9c71da20', 'Ms.', 'Sven', 'García', 'IT Director', '+61 2 1268 9346', 'Woodgrove Bank', '230 George Street', 'Sydney', 'NSW', '2000', 'Australia', 'In Process', 'Partner', '346000', 'Wants a Copilot pilot.', 0),
  ('ad403aa7-6dc2-4c25-a314-770e95945f43', '2026-09-25 19:44:00', '2026-10-25 19:44:00', 0, '62b4852e-c879-4761-bb28-e9cf9c71da20', 'Ms.', 'Farid', 'Visser', 'IT Director', '(02) 1275 0394', 'Coho Winery', '25 George Street', 'Sydney', 'NSW', '2000', 'Australia', 'In Process', 'Web Site', 'about 50k', 'Renewal in Q3.', 0),
  ('940f621a-6dc7-4658-9a0c-8ed7f62f9564', '2026-09-21 19:44:00', '2026-10-21 19:44:00', 0, '62b4852e-c879-4761-bb28-e9cf9c71da20', 'Ms.', 'Jonas', 'Dubois', 'CIO', '0121 349 6020', 'Consolidated Messenger', '245 High Holborn', 'London', NULL, 'EC1A 1BB', 'United Kingdom', 'Assigned', 'Partner', '398000', 'Wants a Copilot pilot.', 0),
  ('327e4a2c-29d2-4f62-b72f-46058187b662', '2026-09-29 03:49:00', '2026-10-29 03:49:00', 0, 'f083324d-f55c-4728-974c-bec56bef6bbd', 'Mr.', 'Elena', 'Dubois', 'IT Director', '(02) 1222 2318', 'Tailspin Toys', '195 George Street', 'Sydney', 'NSW', '2000', 'Australia', 'Dead', 'Email', '467000', NULL, 0),
  ('707a10c5-20a8-4e68-a4b0-799b88a3d353', '2026-10-10 08:35:00', '2026-11-09 08:35:00', 0, 'f083324d-f55c-4728-974c-bec56bef6bbd', 'Ms.', 'Ximena', 'Fischer', 'CIO', '(506) 830-2100', 'Consolidated Messenger', '234 King Street West', 'Toronto', 'ON', 'M5H 2N2', 'Canada', 'New', 'Web Site', '434000', 'Wants a Copilot pilot.', 0),
  ('796af4f5-c2e3-4050-99e9-14753c920054', '2026-09-23 10:42:00', '2026-10-23 10:42:00', 0, '1efea5ef-c3ed-4201-b91d-b217e9a096cf', 'Ms.', 'Yusuf', 'Ito', 'CIO', '010 165 4528', 'Fourth Coffee', '299 Keizersgracht', 'Amsterdam', 'Noord-Holland', '1012 AB', 'Netherlands', 'New', 'Web Site', '439000', NULL, 0),
  ('ca0875cc-bcf0-4592-93c7-100ddb5b0188', '2026-10-17 09:40:00', '2026-11-16 09:40:00', 1, 'f083324d-f55c-4728-974c-bec56bef6bbd', 'Ms.', 'Vera', 'López', 'IT Director', '+44 121 067 1603', 'Humongous Insurance', '114 High Holborn', 'London', NULL, 'EC1A 1BB', 'United Kingdom', 'In Process', 'Partner', '79000', 'Renewal in Q3.', 0),
  ('8133f301-c020-4369-8f4a-90fa2434daa1', '2026-10-03 06:16:00', '2026-11-02 06:16:00', 0, '1efea5ef-c3ed-4201-b91d-b217e9a096cf', 'Ms.', 'Hiro', 'Fischer', 'IT Director', '+33 1 23 18 47 36', 'Lamna Healthcare', '232 Rue de Rivoli', 'Paris', 'Île-de-France', '75008', 'France', 'In Process', 'Web Site', '392000', 'Renewal in Q3.', 0),
  ('df4851ab-1f0b-47b7-b917-1e911b877346', '2026-09-21 16:54:00', '2026-10-21 16:54:00', 0, '1efea5ef-c3ed-4201-b91d-b217e9a096cf', 'Mr.', 'Umar', 'Visser', 'CIO', '01 23 47 93 78', 'Alpine Ski House', '292 Rue de Rivoli', 'Paris', 'Île-de-France', '75008', 'France', 'New', 'Trade Show', '305000', NULL, 0),
  ('15f147a4-4e56-4596-8280-d928a75e7046', '2026-10-03 12:13:00', '2026-11-02 12:13:00', 0, '62b4852e-c879-4761-bb28-e9cf9c71da20', 'Ms.', 'Jonas', 'Visser', 'CIO', '+44 121 670 8042', 'Graphic Design Institute', '282 High Holborn', 'London', NULL, 'EC1A 1BB', 'United Kingdom', 'In Process', 'Trade Show', '139000', 'Wants a Copilot pilot.', 0);
INSERT INTO leads_cstm (id_c, close_date_c, currency_c) VALUES
  ('933ac2ec-ae7e-4a49-8b8a-95842b008029', '2027-01-02', 'EUR'),
  ('73ee0284-0a3e-4971-9d33-558b9405a809', '2027-02-17', 'EUR'),
  ('d2865c4a-9493-4142-b51d-b6f229ee79e6', '2027-07-16', 'USD'),
  ('fac2f4a2-4933-46fc-ab80-8dae4192bfb1', '2027-10-25', 'GBP'),
  ('76fac483-f081-458c-82d1-32b096373ff6', '2027-08-12', 'CAD'),
  ('8aba3981-9d3a-415a-bfe6-f0cc17f8d956', '2027-07-23', 'EUR'),
  ('86d6c7cc-b116-447d-ae82-5e95fae3dcc2', '2027-01-28', 'AUD'),
  ('ad403aa7-6dc2-4c25-a314-770e95945f43', '2027-01-04', 'AUD'),
  ('940f621a-6dc7-4658-9a0c-8ed7f62f9564', '2027-09-07', 'GBP'),
  ('327e4a2c-29d2-4f62-b72f-46058187b662', '2027-11-15', 'AUD'),
  ('707a10c5-20a8-4e68-a4b0-799b88a3d353', '2027-05-08', 'CAD'),
  ('796af4f5-c2e3-4050-99e9-14753c920054', '2027-08-05', 'EUR'),
  ('ca0875cc-bcf0-4592-93c7-100ddb5b0188', '2027-06-25', 'GBP'),
  ('8133f301-c020-4369-8f4a-90fa2434daa1', '2027-01-19', 'EUR'),
  ('df4851ab-1f0b-47b7-b917-1e911b877346', '2027-12-12', 'EUR'),
  ('15f147a4-4e56-4596-8280-d928a75e7046', '2027-10-21', 'GBP');
INSERT INTO email_addresses (id, email_address, email_address_caps, invalid_email, opt_out, deleted) VALUES
  ('31004291-2190-4f2a-88a0-1d94458676c3', 'luke.johnson@fabrikam.com', 'LUKE.JOHNSON@FABRIKAM.COM', 0, 0, 0),
  ('1ceb6152-f204-4f07-a864-5dec1df8f280', 'priya.raman@fabrikam.com', 'PRIYA.RAMAN@FABRIKAM.COM', 0, 0, 0),
  ('ecf491ca-b38a-452d-ab42-2a94eee199d1', 'tomas.herrera@fabrikam.com', 'TOMAS.HERRERA@FABRIKAM.COM', 0, 0, 0),
  ('23ed2115-97f2-4235-9153-d155da97a93a', 'jonas.young@lucernepublishing.example', 'JONAS.YOUNG@LUCERNEPUBLISHING.EXAMPLE', 0, 0, 0),
  ('186375bf-5445-45ec-bdad-0179b1edd9d6', 'hiro.müller@vanarsdel.example', 'HIRO.MÜLLER@VANARSDEL.EXAMPLE', 0, 0, 0),
  ('7436809f-3490-406a-970b-90fa5b6fcd83', 'mia.baker@fourthcoffee.example', 'MIA.BAKER@FOURTHCOFFEE.EXAMPLE', 0, 0, 0),
  ('e3409a20-ee81-4f68-a048-a2d512616818', 'old.address@example.org', 'OLD.ADDRESS@EXAMPLE.ORG', 0, 0, 0),
  ('20e8893a-450e-479b-853a-c1d1663da048', 'liam.nakamura@margiestravel.example', 'LIAM.NAKAMURA@MARGIESTRAVEL.EXAMPLE', 0, 0, 0),
  ('8ca5c1f5-5dbf-4bc3-85e4-7a1e8b4935b0', 'sven.dubois@alpineskihouse.example', 'SVEN.DUBOIS@ALPINESKIHOUSE.EXAMPLE', 0, 0, 0),
  ('1225299b-8553-497f-86a4-d4da24440138', 'sven.garcía@woodgrovebank.example', 'SVEN.GARCÍA@WOODGROVEBANK.EXAMPLE', 0, 0, 0),
  ('04107d4b-1bb1-4ec8-825d-719f92e0c13a', 'farid.visser@cohowinery.example', 'FARID.VISSER@COHOWINERY.EXAMPLE', 0, 0, 0),
  ('cce9353a-6e50-4403-acb1-5fecc5bd88f9', 'jonas.dubois@consolidatedmessenger.example', 'JONAS.DUBOIS@CONSOLIDATEDMESSENGER.EXAMPLE', 0, 0, 0),
  ('a297bd3a-1de8-4ea5-93e0-fd160ceca2c5', 'elena.dubois@tailspintoys.example', 'ELENA.DUBOIS@TAILSPINTOYS.EXAMPLE', 0, 0, 0),
  ('3929108c-8575-4202-8eb1-564cea70fd54', 'ximena.fischer@consolidatedmessenger.example', 'XIMENA.FISCHER@CONSOLIDATEDMESSENGER.EXAMPLE', 0, 0, 0),
  ('7ab79586-72f7-4714-b98f-fd4ae8cc83b9', 'yusuf.ito@fourthcoffee.example', 'YUSUF.ITO@FOURTHCOFFEE.EXAMPLE', 0, 0, 0),
  ('813b65e2-f1bb-4949-ac7a-ddaadc33ba57', 'vera.lópez@humongousinsurance.example', 'VERA.LÓPEZ@HUMONGOUSINSURANCE.EXAMPLE', 0, 0, 0),
  ('1e2940b0-af47-4031-a981-d216eb086f2b', 'hiro.fischer@lamnahealthcare.example', 'HIRO.FISCHER@LAMNAHEALTHCARE.EXAMPLE', 0, 0, 0),
  ('f5de1519-3758-49d3-ba64-261f244f87b4', 'umar.visser@alpineskihouse.example', 'UMAR.VISSER@ALPINESKIHOUSE.EXAMPLE', 0, 0, 0),
  ('d0d68c03-fb5d-4155-ac58-894e788f7f4a', 'jonas.visser@graphicdesigninstitute.example', 'JONAS.VISSER@GRAPHICDESIGNINSTITUTE.EXAMPLE', 0, 0, 0);
INSERT INTO email_addr_bean_rel (id, email_address_id, bean_id, bean_module, primary_address, reply_to_address, deleted) VALUES
  ('3de50dcf-8c8f-4b4c-b3fa-b915aeb813ba', '31004291-2190-4f2a-88a0-1d94458676c3', '62b4852e-c879-4761-bb28-e9cf9c71da20', 'Users', 1, 0, 0),
  ('2bd51b63-8a59-4d75-a946-2042d6888878', '1ceb6152-f204-4f07-a864-5dec1df8f280', 'f083324d-f55c-4728-974c-bec56bef6bbd', 'Users', 1, 0, 0),
  ('99621bae-81d6-4545-80eb-cbeb72268497', 'ecf491ca-b38a-452d-ab42-2a94eee199d1', '1efea5ef-c3ed-4201-b91d-b217e9a096cf', 'Users', 1, 0, 0),
  ('a6ad1cd5-5ebd-418f-835a-0dd6a28c4a5a', '23ed2115-97f2-4235-9153-d155da97a93a', '933ac2ec-ae7e-4a49-8b8a-95842b008029', 'Leads', 1, 0, 0),
  ('c3c08e3b-551c-47aa-8097-22cbc2e03462', '186375bf-5445-45ec-bdad-0179b1edd9d6', '73ee0284-0a3e-4971-9d33-558b9405a809', 'Leads', 1, 0, 0),
  ('461323bc-4429-48bb-bf65-23e70f72fe3a', '7436809f-3490-406a-970b-90fa5b6fcd83', 'd2865c4a-9493-4142-b51d-b6f229ee79e6', 'Leads', 1, 0, 0),
  ('a1041cea-e5a3-4d03-aee7-2dfc923146d9', 'e3409a20-ee81-4f68-a048-a2d512616818', 'd2865c4a-9493-4142-b51d-b6f229ee79e6', 'Leads', 0, 0, 0),
  ('e5f616b7-69e5-4e5e-a96f-083bd81de000', '20e8893a-450e-479b-853a-c1d1663da048', 'fac2f4a2-4933-46fc-ab80-8dae4192bfb1', 'Leads', 1, 0, 0),
  ('750cca00-ce3a-4c14-8000-8a9399715353', '8ca5c1f5-5dbf-4bc3-85e4-7a1e8b4935b0', '76fac483-f081-458c-82d1-32b096373ff6', 'Leads', 1, 0, 0),
  ('d1a5279a-10af-4282-9122-456dd834d227', '1225299b-8553-497f-86a4-d4da24440138', '86d6c7cc-b116-447d-ae82-5e95fae3dcc2', 'Leads', 1, 0, 0),
  ('aad110fa-8e19-4a36-9870-6c4e077d510b', '04107d4b-1bb1-4ec8-825d-719f92e0c13a', 'ad403aa7-6dc2-4c25-a314-770e95945f43', 'Leads', 1, 0, 0),
  ('4b1d0a09-6fa6-4266-b662-616eae8a37af', 'cce9353a-6e50-4403-acb1-5fecc5bd88f9', '940f621a-6dc7-4658-9a0c-8ed7f62f9564', 'Leads', 1, 0, 0),
  ('f1c63dd7-d75c-4c4f-a8b7-657229f474fb', 'a297bd3a-1de8-4ea5-93e0-fd160ceca2c5', '327e4a2c-29d2-4f62-b72f-46058187b662', 'Leads', 1, 0, 0),
  ('57aae451-7ebe-4422-84e6-1685aff4d1e2', '3929108c-8575-4202-8eb1-564cea70fd54', '707a10c5-20a8-4e68-a4b0-799b88a3d353', 'Leads', 1, 0, 0),
  ('909bf5d4-21f9-49ce-b1a4-398d5cc445bf', '7ab79586-72f7-4714-b98f-fd4ae8cc83b9', '796af4f5-c2e3-4050-99e9-14753c920054', 'Leads', 1, 0, 0),
  ('ad265c96-9220-4ff9-8d9d-49a6e2485c6e', '813b65e2-f1bb-4949-ac7a-ddaadc33ba57', 'ca0875cc-bcf0-4592-93c7-100ddb5b0188', 'Leads', 1, 0, 0),
  ('d53a84a8-69b0-408d-8f10-42c0dd1f5c12', '1e2940b0-af47-4031-a981-d216eb086f2b', '8133f301-c020-4369-8f4a-90fa2434daa1', 'Leads', 1, 0, 0),
  ('31072f3b-8fbc-4276-b8c9-6fa58c51f58d', 'f5de1519-3758-49d3-ba64-261f244f87b4', 'df4851ab-1f0b-47b7-b917-1e911b877346', 'Leads', 1, 0, 0),
  ('9e3a9ad0-4e2f-41fe-8d84-5ee62be85e14', 'd0d68c03-fb5d-4155-ac58-894e788f7f4a', '15f147a4-4e56-4596-8280-d928a75e7046', 'Leads', 1, 0, 0);
