"""Agents and couriers named in reviews: precise, or nothing."""

from django.test import SimpleTestCase

from reviews import mentions, services
from reviews.models import Membership

from ..base import BaseTestCase


class MentionsTestCase(SimpleTestCase):
    def test_it_finds_agents_by_alias_nickname_or_number(self):
        cases = {
            "客服小美回复很敷衍": "小美",
            "客服阿强态度太差了": "阿强",
            "23号客服答非所问": "23号",
            "找了客服工号1024，没用": "工号1024",
            "客服叫小李的那个，挺耐心": "小李",
        }
        for text, name in cases.items():
            self.assertEqual(mentions.named_agent(text), name, text)
        self.assertEqual(mentions.named_agent("丽丽说会补发，结果没有", ["丽丽"]), "丽丽")

    def test_words_that_are_not_names_are_not_named(self):
        for text in (
            "客服小姐姐态度很好",
            "问了客服小二，没人理",
            "客服态度差",
            "等了一小时客服",
            "",
        ):
            self.assertEqual(mentions.named_agent(text), "", text)
        self.assertEqual(mentions.named_courier("快递小哥很辛苦"), "")

    def test_it_finds_couriers_and_delivery_people(self):
        cases = {
            "中通快递员老王每次都放门口": "中通 老王",
            "京东快递就是快": "京东物流",
            "汇通太慢": "百世",
            "快递员小张态度差": "小张",
            "物流太慢了": "",
        }
        for text, name in cases.items():
            self.assertEqual(mentions.named_courier(text), name, text)


class NamedOnClassificationTestCase(BaseTestCase):
    def test_classifying_a_review_stores_who_it_names(self):
        Membership.objects.filter(user=self.agent).update(alias="丽丽")
        review = self.make_review(self.shop, text="丽丽一直不回消息，中通快递员老王还把东西摔坏了")
        services.review_classify(review=review)
        review.refresh_from_db()
        self.assertEqual((review.named_agent, review.named_courier), ("丽丽", "中通 老王"))
