-- One database and one role per service: no service can read another's tables.
CREATE ROLE chain LOGIN PASSWORD 'chain';
CREATE DATABASE rto_chain OWNER chain;
CREATE ROLE consent LOGIN PASSWORD 'consent';
CREATE DATABASE rto_consent OWNER consent;
CREATE ROLE portal LOGIN PASSWORD 'portal';
CREATE DATABASE rto_portal OWNER portal;
CREATE ROLE registry_gateway LOGIN PASSWORD 'registry_gateway';
CREATE DATABASE rto_registry_gateway OWNER registry_gateway;
CREATE ROLE videoconf LOGIN PASSWORD 'videoconf';
CREATE DATABASE rto_videoconf OWNER videoconf;
