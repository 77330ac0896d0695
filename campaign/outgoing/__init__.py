"""Each enterprise's own templates in CAMPAIGN_HOME/outgoing/<材料编号>/: what the flows send and the portal serves."""
