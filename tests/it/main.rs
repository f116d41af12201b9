mod corpus;
mod parse_fixtures;
