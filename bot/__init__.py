"""footbot: a Telegram bot that answers foot-massage questions and keeps people safe."""
