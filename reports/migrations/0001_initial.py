"""The report models move here from the reviews app, their tables untouched.

State only: the tables (`reviews_reportday`, …), their indexes and constraints were created by
the reviews app's migrations 0005 and 0008 and keep their names (each model pins its
`db_table`); the triggers of its migration 0006 go on writing `reviews_reportdirty`. The
reviews app's migration 0010 then drops the models from its own state and moves their
content types here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reviews', '0009_erased_buyers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ReportDirty',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('shop_id', models.IntegerField()),
                        ('day', models.DateField()),
                    ],
                    options={
                        'db_table': 'reviews_reportdirty',
                    },
                ),
                migrations.CreateModel(
                    name='ReportDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('cause', models.CharField(max_length=30)),
                        ('subcause', models.CharField(max_length=30)),
                        ('severity', models.CharField(max_length=10)),
                        ('handled', models.PositiveIntegerField(default=0)),
                        ('revised', models.PositiveIntegerField(default=0)),
                        ('replied', models.PositiveIntegerField(default=0)),
                        ('closed', models.PositiveIntegerField(default=0)),
                        ('unresolved', models.PositiveIntegerField(default=0)),
                        ('within_window', models.PositiveIntegerField(default=0)),
                        ('reached', models.PositiveIntegerField(default=0)),
                        ('agreed', models.PositiveIntegerField(default=0)),
                        ('agreed_revised', models.PositiveIntegerField(default=0)),
                        ('contacted', models.PositiveIntegerField(default=0)),
                        ('first_planned', models.PositiveIntegerField(default=0)),
                        ('first_in_window', models.PositiveIntegerField(default=0)),
                        ('attempts_closed', models.PositiveIntegerField(default=0)),
                        ('assigned_to', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reviews.shop')),
                    ],
                    options={
                        'db_table': 'reviews_reportday',
                        'indexes': [models.Index(fields=['shop', 'day'], name='reportday_shop_day')],
                    },
                ),
                migrations.CreateModel(
                    name='ReportRoot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('dimension', models.CharField(choices=[('product', 'Product'), ('courier', 'Courier'), ('named_agent', 'Agent named'), ('named_courier', 'Courier named'), ('subcause', 'Sub-cause')], max_length=15)),
                        ('key', models.CharField(max_length=255)),
                        ('subcause', models.CharField(max_length=30)),
                        ('n', models.PositiveIntegerField()),
                        ('serious', models.PositiveIntegerField()),
                        ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reviews.shop')),
                    ],
                    options={
                        'db_table': 'reviews_reportroot',
                        'indexes': [models.Index(fields=['shop', 'dimension', 'day'], name='reportroot_shop_dim_day'), models.Index(condition=models.Q(('subcause', '*')), fields=['shop', 'day'], name='reportroot_totals')],
                    },
                ),
                migrations.CreateModel(
                    name='ReportShopDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('positive', models.PositiveIntegerField(default=0)),
                        ('dsr_description_sum', models.FloatField(default=0)),
                        ('dsr_description_n', models.PositiveIntegerField(default=0)),
                        ('dsr_service_sum', models.FloatField(default=0)),
                        ('dsr_service_n', models.PositiveIntegerField(default=0)),
                        ('dsr_logistics_sum', models.FloatField(default=0)),
                        ('dsr_logistics_n', models.PositiveIntegerField(default=0)),
                        ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reviews.shop')),
                    ],
                    options={
                        'db_table': 'reviews_reportshopday',
                        'constraints': [models.UniqueConstraint(fields=('shop', 'day'), name='reportshopday_one_per_day')],
                    },
                ),
                migrations.CreateModel(
                    name='ReportWait',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('bucket', models.PositiveIntegerField()),
                        ('n', models.PositiveIntegerField()),
                        ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reviews.shop')),
                    ],
                    options={
                        'db_table': 'reviews_reportwait',
                        'indexes': [models.Index(fields=['shop', 'day'], name='reportwait_shop_day')],
                    },
                ),
                migrations.CreateModel(
                    name='SpikeAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dimension', models.CharField(choices=[('product', 'Product'), ('courier', 'Courier'), ('named_agent', 'Agent named'), ('named_courier', 'Courier named'), ('subcause', 'Sub-cause')], max_length=15)),
                        ('key', models.CharField(max_length=255)),
                        ('subcause', models.CharField(max_length=30)),
                        ('window_start', models.DateField()),
                        ('window_end', models.DateField()),
                        ('count', models.PositiveIntegerField()),
                        ('baseline', models.FloatField(help_text='usual count in 7 days (the 4 weeks before)')),
                        ('state', models.CharField(choices=[('open', 'Open'), ('acknowledged', 'Acknowledged'), ('ended', 'Ended')], default='open', max_length=15)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('notified_at', models.DateTimeField(blank=True, null=True)),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='spikes', to='reviews.shop')),
                    ],
                    options={
                        'db_table': 'reviews_spikealert',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('state__in', ['open', 'acknowledged'])), fields=('shop', 'dimension', 'key', 'subcause'), name='spike_one_active')],
                    },
                ),
            ],
        ),
    ]
