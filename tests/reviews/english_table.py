"""English (eBay) buyer reviews with the cause a support agent would give them.

Written from how eBay buyers word negative and neutral feedback (short, often with the
courier's name, "item not as described", "never received"), before the English lexicon was
written; not taken from any data set. (text, cause)
"""

ENGLISH_REVIEWS = [
    ("Item never arrived. USPS tracking has said in transit for three weeks.", "logistics"),
    ("Took over a month to get here, the courier kept losing it.", "logistics"),
    ("Package was left at the wrong address, had to go find it at a neighbour's.", "logistics"),
    ("FedEx driver threw the box over the fence. Rude when I called.", "logistics"),
    ("Shipping took forever, stuck at customs with no updates from the carrier.", "logistics"),
    ("Delivery was very slow, Royal Mail lost it for ten days.", "logistics"),
    (
        "The delivery guy never knocked, just left a card and took it back to the depot.",
        "logistics",
    ),
    ("Tracking number never updated, the parcel was lost in the post.", "logistics"),
    ("UPS delivered it to the wrong house.", "logistics"),
    ("Courier was rude and refused to bring it upstairs.", "logistics"),
    ("Item arrived broken, the screen was cracked.", "product_service"),
    ("Not as described. The listing said genuine leather, this is plastic.", "product_service"),
    ("Stopped working after two days. Cheap junk.", "product_service"),
    ("Fake! This is a counterfeit, not the real brand.", "product_service"),
    ("Wrong item sent, I ordered the blue one and got red.", "product_service"),
    ("Missing the charger and the manual, seller won't reply.", "product_service"),
    ("Seller never answered my messages and refused a return.", "product_service"),
    ("Poor quality, the stitching came apart the first time I wore it.", "product_service"),
    ("Defective unit, won't turn on at all.", "product_service"),
    ("Colour is nothing like the pictures, looks faded and used.", "product_service"),
    ("Seller took a week to ship after payment.", "product_service"),
    ("Overpriced for what you get, feels very cheap.", "product_service"),
    ("Came with scratches all over it, clearly used not new.", "product_service"),
    ("Battery dies in an hour, the listing claimed 10 hours.", "product_service"),
    ("Item damaged, box was crushed and the glass shattered, poor packaging.", "product_service"),
    ("Refund refused even though it was faulty. Avoid this seller.", "product_service"),
    ("Parts missing, only 3 of the 4 legs in the box.", "product_service"),
    ("Doesn't fit my phone model even though the listing says it does.", "product_service"),
    ("Smells awful and the zipper broke straight away.", "product_service"),
    ("Counterfeit item, serial number doesn't exist. Reported.", "product_service"),
    ("My mistake, I ordered the wrong size.", "buyer_side"),
    ("Just not for me, I don't like the style.", "buyer_side"),
    ("Changed my mind, nothing wrong with the item.", "buyer_side"),
    ("Left negative feedback by accident, sorry, the item is fine.", "buyer_side"),
    ("Smaller than I expected, my fault for not checking the measurements.", "buyer_side"),
    ("I ordered the wrong model by mistake.", "buyer_side"),
    ("Didn't like the taste, personal preference.", "buyer_side"),
    ("Price dropped the day after I bought it, annoying.", "buyer_side"),
    ("Not what I imagined, but it's exactly as listed.", "buyer_side"),
    ("Clicked the wrong rating, meant to leave positive.", "buyer_side"),
    ("Bad", "unclear"),
    ("meh", "unclear"),
]
