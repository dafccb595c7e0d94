<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>AsyncAction</name>
    <message>
        <source>Unexpected error: {error}. Details are in the log.</source>
        <translation>Непредвиденная ошибка: {error}. Подробности в журнале.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
</context>
<context>
    <name>BalanceLabel</name>
    <message>
        <source>Balance: {balance}</source>
        <translation>Баланс: {balance}</translation>
    </message>
</context>
<context>
    <name>BalanceMonitor</name>
    <message>
        <source>asking the PBX…</source>
        <translation>запрос к АТС…</translation>
    </message>
    <message>
        <source>{money}, {age}</source>
        <translation>{money}, {age}</translation>
    </message>
    <message>
        <source>Credit: {money}</source>
        <translation>Кредит: {money}</translation>
    </message>
    <message>
        <source>Below {money}: top up the PBX account.</source>
        <translation>Баланс ниже {money}: пополните счёт АТС.</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>только что</translation>
    </message>
    <message>
        <source>{minutes} min ago</source>
        <translation>{minutes} мин назад</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min ago</source>
        <translation>{hours} ч {minutes} мин назад</translation>
    </message>
    <message>
        <source>Unexpected error: {error}. Details are in the log.</source>
        <translation>Непредвиденная ошибка: {error}. Подробности в журнале.</translation>
    </message>
</context>
<context>
    <name>CallerCard</name>
    <message>
        <source>Pin</source>
        <translation>Закрепить</translation>
    </message>
    <message>
        <source>Keep this card open</source>
        <translation>Не закрывать карточку</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>Several contacts have this number</source>
        <translation>Этот номер есть у нескольких контактов</translation>
    </message>
    <message>
        <source>Last calls</source>
        <translation>Последние звонки</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>Перезвонить</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
    <message>
        <source>Copy number</source>
        <translation>Копировать номер</translation>
    </message>
    <message>
        <source>Open in CRM</source>
        <translation>Открыть в CRM</translation>
    </message>
    <message>
        <source>Incoming call</source>
        <translation>Входящий звонок</translation>
    </message>
    <message>
        <source>Outgoing call</source>
        <translation>Исходящий звонок</translation>
    </message>
    <message>
        <source>Line: {number}</source>
        <translation>Линия: {number}</translation>
    </message>
    <message>
        <source>Hidden number</source>
        <translation>Скрытый номер</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>Вызов</translation>
    </message>
    <message>
        <source>Talking {time}</source>
        <translation>Разговор {time}</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>Пропущен</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>Завершён</translation>
    </message>
    <message>
        <source>Answered by {name}</source>
        <translation>Ответил сотрудник {name}</translation>
    </message>
    <message>
        <source>Employee: {name}</source>
        <translation>Сотрудник: {name}</translation>
    </message>
    <message>
        <source>Unknown number</source>
        <translation>Неизвестный номер</translation>
    </message>
    <message>
        <source>Manager: {name}</source>
        <translation>Менеджер: {name}</translation>
    </message>
    <message>
        <source>Edit contact</source>
        <translation>Изменить контакт</translation>
    </message>
    <message>
        <source>Create contact</source>
        <translation>Создать контакт</translation>
    </message>
    <message>
        <source>incoming</source>
        <translation>входящий</translation>
    </message>
    <message>
        <source>outgoing</source>
        <translation>исходящий</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>отвечен</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>идёт</translation>
    </message>
    <message>
        <source>missed</source>
        <translation>пропущен</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>нет ответа</translation>
    </message>
</context>
<context>
    <name>CampaignTables</name>
    <message>
        <source>Not sent</source>
        <translation>Не отправлен</translation>
    </message>
    <message>
        <source>Not sent: failed</source>
        <translation>Не отправлен: ошибка</translation>
    </message>
    <message>
        <source>In the queue</source>
        <translation>В очереди</translation>
    </message>
    <message>
        <source>Will try again</source>
        <translation>Будет повтор</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Завершён</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Удалён</translation>
    </message>
    <message>
        <source>Success</source>
        <translation>Дозвонились</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Не дозвонились</translation>
    </message>
    <message>
        <source>Canceled</source>
        <translation>Отменён</translation>
    </message>
    <message>
        <source>PBX error</source>
        <translation>Ошибка АТС</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Неизвестно</translation>
    </message>
    <message>
        <source>No result yet</source>
        <translation>Результата пока нет</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Номер</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Результат</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Попытки</translation>
    </message>
    <message>
        <source>Talk</source>
        <translation>Разговор</translation>
    </message>
    <message>
        <source>Called at</source>
        <translation>Время звонка</translation>
    </message>
    <message>
        <source>Why not sent</source>
        <translation>Почему не отправлен</translation>
    </message>
    <message>
        <source>Answers and variables</source>
        <translation>Ответы и переменные</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>Кампания</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>Причина</translation>
    </message>
    <message>
        <source>Called back</source>
        <translation>Перезвонили</translation>
    </message>
    <message>
        <source>{when}, {who}</source>
        <translation>{when}, {who}</translation>
    </message>
</context>
<context>
    <name>CampaignsWindow</name>
    <message>
        <source>The campaigns database failed: {reason}</source>
        <translation>Ошибка базы данных кампаний: {reason}</translation>
    </message>
    <message>
        <source>Write the variables as name=value, separated by semicolons: {part}</source>
        <translation>Запишите переменные как имя=значение через точку с запятой: {part}</translation>
    </message>
    <message>
        <source>Robot campaigns</source>
        <translation>Обзвон роботом</translation>
    </message>
    <message>
        <source>Campaign id</source>
        <translation>ID кампании</translation>
    </message>
    <message>
        <source>Ca&amp;mpaign id:</source>
        <translation>ID ка&amp;мпании:</translation>
    </message>
    <message>
        <source>&amp;Queue</source>
        <translation>&amp;Очередь</translation>
    </message>
    <message>
        <source>C&amp;alls</source>
        <translation>&amp;Звонки</translation>
    </message>
    <message>
        <source>Call-&amp;backs</source>
        <translation>&amp;Перезвонить</translation>
    </message>
    <message>
        <source>This desk works with the office relay: its shared call-back list follows the relay&apos;s rules (the relay&apos;s config.toml).</source>
        <translation>Это рабочее место работает через ретранслятор офиса: общий список «Перезвонить» следует правилам ретранслятора (его config.toml).</translation>
    </message>
    <message>
        <source>&amp;Rules</source>
        <translation>П&amp;равила</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>&amp;Load a CSV file…</source>
        <translation>Загрузить &amp;файл CSV…</translation>
    </message>
    <message>
        <source>Columns: the number (Number, Phone, Телефон), optionally the call&apos;s id (Id), and the scenario&apos;s variables, one column each, named as in the scenario.</source>
        <translation>Столбцы: номер (Телефон, Номер, Phone), при желании ID звонка (Id) и переменные сценария — по столбцу на каждую, с именами как в сценарии.</translation>
    </message>
    <message>
        <source>Rows with problems</source>
        <translation>Строки с ошибками</translation>
    </message>
    <message>
        <source>&amp;Discard the file</source>
        <translation>&amp;Убрать файл</translation>
    </message>
    <message>
        <source>One call</source>
        <translation>Один звонок</translation>
    </message>
    <message>
        <source>+7 999 123-45-67</source>
        <translation>+7 999 123-45-67</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>необязательно</translation>
    </message>
    <message>
        <source>name=Иван Петров; date=15.03</source>
        <translation>name=Иван Петров; date=15.03</translation>
    </message>
    <message>
        <source>Queue this &amp;call</source>
        <translation>Поставить звонок в о&amp;чередь</translation>
    </message>
    <message>
        <source>&amp;Number:</source>
        <translation>&amp;Номер:</translation>
    </message>
    <message>
        <source>&amp;Id:</source>
        <translation>&amp;ID:</translation>
    </message>
    <message>
        <source>&amp;Variables:</source>
        <translation>П&amp;еременные:</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>Все состояния</translation>
    </message>
    <message>
        <source>All results</source>
        <translation>Все результаты</translation>
    </message>
    <message>
        <source>&amp;State:</source>
        <translation>&amp;Состояние:</translation>
    </message>
    <message>
        <source>Res&amp;ult:</source>
        <translation>Рез&amp;ультат:</translation>
    </message>
    <message>
        <source>Ask the &amp;PBX for their state</source>
        <translation>Запросить состояние у &amp;АТС</translation>
    </message>
    <message>
        <source>&amp;Delete from the queue</source>
        <translation>Уда&amp;лить из очереди</translation>
    </message>
    <message>
        <source>E&amp;xport CSV…</source>
        <translation>Э&amp;кспорт в CSV…</translation>
    </message>
    <message>
        <source>Show &amp;done</source>
        <translation>По&amp;казать выполненные</translation>
    </message>
    <message>
        <source>&amp;Call</source>
        <translation>Позвон&amp;ить</translation>
    </message>
    <message>
        <source>Mark d&amp;one</source>
        <translation>&amp;Выполнено</translation>
    </message>
    <message>
        <source>Could not save {file}: {reason}</source>
        <translation>Не удалось сохранить {file}: {reason}</translation>
    </message>
    <message>
        <source>Load a call list</source>
        <translation>Загрузка списка звонков</translation>
    </message>
    <message>
        <source>Call lists (*.csv *.txt);;All files (*)</source>
        <translation>Списки звонков (*.csv *.txt);;Все файлы (*)</translation>
    </message>
    <message>
        <source>Reading {file}…</source>
        <translation>Чтение {file}…</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>Строка</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Номер</translation>
    </message>
    <message>
        <source>Made up by the desk: the file has no id for this row</source>
        <translation>Придуман программой: в файле нет ID для этой строки</translation>
    </message>
    <message>
        <source>… and {count} more rows with problems</source>
        <translation>… и ещё строк с ошибками: {count}</translation>
    </message>
    <message>
        <source>The first {shown} of {count} calls are shown.</source>
        <translation>Показаны первые {shown} звонков из {count}.</translation>
    </message>
    <message>
        <source>The list was read for campaign {list}, not {chosen}: load it again.</source>
        <translation>Список прочитан для кампании {list}, а не {chosen}: загрузите его снова.</translation>
    </message>
    <message>
        <source>Some of these calls were queued meanwhile: load the file again.</source>
        <translation>Часть этих звонков тем временем уже поставлена в очередь: загрузите файл снова.</translation>
    </message>
    <message>
        <source>Nothing to send: every call of the campaign is queued.</source>
        <translation>Отправлять нечего: все звонки кампании уже в очереди.</translation>
    </message>
    <message>
        <source>Sending {count} calls…</source>
        <translation>Отправка звонков: {count}…</translation>
    </message>
    <message>
        <source>The relay&apos;s call-back list will not show these numbers: {error}</source>
        <translation>В списке «Перезвонить» ретранслятора не будет этих номеров: {error}</translation>
    </message>
    <message>
        <source>Queueing a call to {number}…</source>
        <translation>Постановка в очередь звонка на {number}…</translation>
    </message>
    <message>
        <source>Not a phone number: {number}</source>
        <translation>Это не номер телефона: {number}</translation>
    </message>
    <message>
        <source>{number} is an extension: the robot calls outside numbers</source>
        <translation>{number} — внутренний номер, а робот звонит на внешние</translation>
    </message>
    <message>
        <source>The number {number} is still waiting in campaign {campaign} (call {id})</source>
        <translation>Номер {number} ещё ждёт звонка в кампании {campaign} (звонок {id})</translation>
    </message>
    <message>
        <source>The id {id} was queued before</source>
        <translation>Звонок с ID {id} уже ставился в очередь</translation>
    </message>
    <message>
        <source>The first {shown} of {count} calls are listed: filter by state or result to see the others.</source>
        <translation>Показаны первые {shown} из {count} звонков: чтобы увидеть остальные, отфильтруйте по состоянию или результату.</translation>
    </message>
    <message>
        <source>{count} calls to make.</source>
        <translation>Нужно перезвонить: {count}.</translation>
    </message>
    <message>
        <source>No one to call back.</source>
        <translation>Перезванивать некому.</translation>
    </message>
    <message>
        <source>Call-&amp;backs ({count})</source>
        <translation>&amp;Перезвонить ({count})</translation>
    </message>
    <message>
        <source>Campaigns with calls here: {ids}</source>
        <translation>Кампании со звонками: {ids}</translation>
    </message>
    <message>
        <source>No calls in this campaign yet.</source>
        <translation>В этой кампании пока нет звонков.</translation>
    </message>
    <message>
        <source>Calls: {count}</source>
        <translation>Звонков: {count}</translation>
    </message>
    <message>
        <source>not sent: {count}</source>
        <translation>не отправлено: {count}</translation>
    </message>
    <message>
        <source>Asking the PBX…</source>
        <translation>Запрос к АТС…</translation>
    </message>
    <message>
        <source>Take the call {id} to {number} out of the queue of campaign {campaign}? The robot will not call this number.</source>
        <translation>Убрать звонок {id} на {number} из очереди кампании {campaign}? Робот не будет звонить на этот номер.</translation>
    </message>
    <message>
        <source>Delete a call</source>
        <translation>Удаление звонка</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>Deleting…</source>
        <translation>Удаление…</translation>
    </message>
    <message>
        <source>Export campaign results</source>
        <translation>Экспорт результатов кампании</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Экспорт…</translation>
    </message>
    <message>
        <source>Someone marked it already.</source>
        <translation>Кто-то уже отметил это.</translation>
    </message>
    <message>
        <source>The call to {number} is in the queue of campaign {campaign} (id {id}).</source>
        <translation>Звонок на {number} поставлен в очередь кампании {campaign} (ID {id}).</translation>
    </message>
    <message>
        <source>The PBX answered for {count} calls.</source>
        <translation>АТС ответила по звонкам: {count}.</translation>
    </message>
    <message>
        <source>The call {id} was taken out of the queue.</source>
        <translation>Звонок {id} убран из очереди.</translation>
    </message>
    <message>
        <source>Stopped. What the PBX took before is kept; send again for the rest.</source>
        <translation>Остановлено. Принятое АТС сохранено; для остальных отправьте снова.</translation>
    </message>
    <message>
        <source>{count} calls saved to {path}</source>
        <translation>Сохранено звонков: {count}. Файл: {path}</translation>
    </message>
    <message>
        <source>&amp;Send {count} calls</source>
        <translation>О&amp;тправить звонки: {count}</translation>
    </message>
    <message>
        <source>&amp;Send the {count} unsent calls</source>
        <translation>О&amp;тправить неотправленные: {count}</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>О&amp;тправить</translation>
    </message>
    <message>
        <source>Send the {count} unsent calls</source>
        <translation>Отправить неотправленные: {count}</translation>
    </message>
    <message>
        <source>Send the unsent calls</source>
        <translation>Отправить неотправленные</translation>
    </message>
    <message>
        <source>Not d&amp;one</source>
        <translation>&amp;Не выполнено</translation>
    </message>
</context>
<context>
    <name>ContactEditor</name>
    <message>
        <source>&amp;Name</source>
        <translation>&amp;Имя</translation>
    </message>
    <message>
        <source>C&amp;ompany</source>
        <translation>&amp;Компания</translation>
    </message>
    <message>
        <source>One number a line, e.g. 8 999 123-45-67</source>
        <translation>По номеру в строке, например 8 999 123-45-67</translation>
    </message>
    <message>
        <source>&amp;Phones</source>
        <translation>&amp;Телефоны</translation>
    </message>
    <message>
        <source>Extension or name of an employee</source>
        <translation>Внутренний номер или имя сотрудника</translation>
    </message>
    <message>
        <source>&amp;Manager</source>
        <translation>&amp;Менеджер</translation>
    </message>
    <message>
        <source>&amp;E-mail</source>
        <translation>&amp;Эл. почта</translation>
    </message>
    <message>
        <source>&amp;CRM link</source>
        <translation>Ссылка в &amp;CRM</translation>
    </message>
    <message>
        <source>No&amp;te</source>
        <translation>&amp;Заметка</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Сохранить</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>New contact</source>
        <translation>Новый контакт</translation>
    </message>
    <message>
        <source>Contact: {name}</source>
        <translation>Контакт: {name}</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>Не сохранено: {reason}</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Сохранено.</translation>
    </message>
    <message>
        <source>and {count} more</source>
        <translation>и ещё {count}</translation>
    </message>
    <message>
        <source>{number} is also on: {contacts}</source>
        <translation>{number} есть также у: {contacts}</translation>
    </message>
</context>
<context>
    <name>ContactsWindow</name>
    <message>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>Компания</translation>
    </message>
    <message>
        <source>Phones</source>
        <translation>Телефоны</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>Менеджер</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>Эл. почта</translation>
    </message>
    <message>
        <source>The contacts database failed: {reason}</source>
        <translation>Ошибка базы контактов: {reason}</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Контакты</translation>
    </message>
    <message>
        <source>Name, company or number in any form</source>
        <translation>Имя, компания или номер в любом виде</translation>
    </message>
    <message>
        <source>&amp;Search:</source>
        <translation>&amp;Поиск:</translation>
    </message>
    <message>
        <source>&amp;New…</source>
        <translation>&amp;Новый…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Изменить…</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Удалить</translation>
    </message>
    <message>
        <source>&amp;Call</source>
        <translation>По&amp;звонить</translation>
    </message>
    <message>
        <source>S&amp;MS</source>
        <translation>&amp;SMS</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>И&amp;мпорт…</translation>
    </message>
    <message>
        <source>E&amp;xport CSV…</source>
        <translation>Э&amp;кспорт в CSV…</translation>
    </message>
    <message>
        <source>Import report</source>
        <translation>Отчёт об импорте</translation>
    </message>
    <message>
        <source>Contacts: {total}.</source>
        <translation>Контактов: {total}.</translation>
    </message>
    <message>
        <source>Add one with New or import a file.</source>
        <translation>Добавьте контакт кнопкой «Новый» или импортируйте файл.</translation>
    </message>
    <message>
        <source>Showing the first {count}: type in the search field to find the others.</source>
        <translation>Показаны первые {count}: остальные найдите через поиск.</translation>
    </message>
    <message>
        <source>Showing the first {count} found: refine the search.</source>
        <translation>Показаны первые {count} найденных: уточните поиск.</translation>
    </message>
    <message>
        <source>Found: {count}.</source>
        <translation>Найдено: {count}.</translation>
    </message>
    <message>
        <source>Nothing found.</source>
        <translation>Ничего не найдено.</translation>
    </message>
    <message>
        <source>Saved: {name}</source>
        <translation>Сохранено: {name}</translation>
    </message>
    <message>
        <source>Delete contact</source>
        <translation>Удаление контакта</translation>
    </message>
    <message>
        <source>Delete {contact} from the contacts?</source>
        <translation>Удалить {contact} из контактов?</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>Nothing was deleted.</source>
        <translation>Ничего не удалено.</translation>
    </message>
    <message>
        <source>{contact} was already deleted.</source>
        <translation>{contact}: контакт уже удалён.</translation>
    </message>
    <message>
        <source>Deleted: {contact}</source>
        <translation>Удалено: {contact}</translation>
    </message>
    <message>
        <source>Employees&apos; names are not available: {error}</source>
        <translation>Имена сотрудников недоступны: {error}</translation>
    </message>
    <message>
        <source>Import contacts</source>
        <translation>Импорт контактов</translation>
    </message>
    <message>
        <source>Contacts (*.csv *.vcf *.txt);;All files (*)</source>
        <translation>Контакты (*.csv *.vcf *.txt);;Все файлы (*)</translation>
    </message>
    <message>
        <source>Importing {file}…</source>
        <translation>Импорт {file}…</translation>
    </message>
    <message>
        <source>Export contacts</source>
        <translation>Экспорт контактов</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Экспорт…</translation>
    </message>
    <message>
        <source>{count} contacts saved to {path}</source>
        <translation>Сохранено контактов: {count}, файл {path}</translation>
    </message>
    <message>
        <source>Imported {file}. {summary}</source>
        <translation>Импортирован {file}. {summary}</translation>
    </message>
    <message>
        <source>… and {count} more skipped rows</source>
        <translation>… и ещё пропущено строк: {count}</translation>
    </message>
    <message>
        <source>An import is running: save when it has finished.</source>
        <translation>Идёт импорт: сохраните, когда он закончится.</translation>
    </message>
</context>
<context>
    <name>CrashHandler</name>
    <message>
        <source>Gravitel Desk: unexpected error</source>
        <translation>Gravitel Desk: непредвиденная ошибка</translation>
    </message>
    <message>
        <source>Something went wrong. Gravitel Desk keeps running; details are in {log}.</source>
        <translation>Что-то пошло не так. Gravitel Desk продолжает работать; подробности в {log}.</translation>
    </message>
</context>
<context>
    <name>Desk</name>
    <message>
        <source>Gravitel Desk could not start: {error}</source>
        <translation>Gravitel Desk не удалось запустить: {error}</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Позвонить</translation>
    </message>
    <message>
        <source>Send SMS</source>
        <translation>Отправить SMS</translation>
    </message>
    <message>
        <source>Call history</source>
        <translation>История звонков</translation>
    </message>
    <message>
        <source>Missed calls</source>
        <translation>Пропущенные звонки</translation>
    </message>
    <message>
        <source>Employees and caller IDs</source>
        <translation>Сотрудники и АОН</translation>
    </message>
    <message>
        <source>Robot campaigns</source>
        <translation>Обзвон роботом</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>Контакты</translation>
    </message>
    <message>
        <source>Missed call</source>
        <translation>Пропущенный звонок</translation>
    </message>
    <message>
        <source>Unknown number</source>
        <translation>Неизвестный номер</translation>
    </message>
    <message>
        <source>running, {count} webhooks</source>
        <translation>работает, вебхуков: {count}</translation>
    </message>
    <message>
        <source>, the last at {time}</source>
        <translation>, последний в {time}</translation>
    </message>
    <message>
        <source>, {errors} refused</source>
        <translation>, отклонено: {errors}</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>остановлен</translation>
    </message>
    <message>
        <source>Unknown command: {command}</source>
        <translation>Неизвестная команда: {command}</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>SMS</translation>
    </message>
</context>
<context>
    <name>DeskStatus</name>
    <message>
        <source>Listener</source>
        <translation>Приёмник</translation>
    </message>
    <message>
        <source>PBX</source>
        <translation>АТС</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>Баланс</translation>
    </message>
    <message>
        <source>Missed calls</source>
        <translation>Пропущенные звонки</translation>
    </message>
</context>
<context>
    <name>DialWindow</name>
    <message>
        <source>Call</source>
        <translation>Позвонить</translation>
    </message>
    <message>
        <source>Number or name, e.g. 8 999 123-45-67</source>
        <translation>Номер или имя, например 8 999 123-45-67</translation>
    </message>
    <message>
        <source>Call</source>
        <comment>window title</comment>
        <translation>Звонок</translation>
    </message>
    <message>
        <source>&amp;Number</source>
        <translation>&amp;Номер</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>По умолчанию</translation>
    </message>
    <message>
        <source>Caller &amp;ID</source>
        <translation>&amp;АОН</translation>
    </message>
    <message>
        <source>&amp;Recent numbers</source>
        <translation>&amp;Последние номера</translation>
    </message>
    <message>
        <source>Asking the PBX to call {number}…</source>
        <translation>Запрашиваем у АТС звонок на {number}…</translation>
    </message>
    <message>
        <source>Cancelled. If the request reached the PBX, your phone may still ring.</source>
        <translation>Отменено. Если запрос успел дойти до АТС, ваш телефон всё равно может зазвонить.</translation>
    </message>
    <message>
        <source>Loading the company&apos;s numbers…</source>
        <translation>Загрузка номеров компании…</translation>
    </message>
    <message>
        <source>Enter a number to call.</source>
        <translation>Введите номер для звонка.</translation>
    </message>
    <message>
        <source>Your extension is not set: enter it in the settings.</source>
        <translation>Не задан ваш внутренний номер: укажите его в настройках.</translation>
    </message>
    <message>
        <source>Your phone {extension} is ringing: pick it up to call {number}</source>
        <translation>Звонит ваш телефон {extension}: снимите трубку, чтобы позвонить абоненту {number}</translation>
    </message>
    <message>
        <source>Could not load the company&apos;s numbers: {error}</source>
        <translation>Не удалось загрузить номера компании: {error}</translation>
    </message>
    <message>
        <source>From the clipboard: {name}</source>
        <translation>Из буфера обмена: {name}</translation>
    </message>
    <message>
        <source>From the clipboard</source>
        <translation>Из буфера обмена</translation>
    </message>
</context>
<context>
    <name>EmployeesWindow</name>
    <message>
        <source>Employees and caller IDs</source>
        <translation>Сотрудники и АОН</translation>
    </message>
    <message>
        <source>Find an employee by name or extension</source>
        <translation>Поиск сотрудника по имени или внутреннему номеру</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Обновить</translation>
    </message>
    <message>
        <source>Extension</source>
        <translation>Внутр. номер</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Имя</translation>
    </message>
    <message>
        <source>&amp;Employees</source>
        <translation>&amp;Сотрудники</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>Отдел</translation>
    </message>
    <message>
        <source>&amp;Departments</source>
        <translation>&amp;Отделы</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>Номер</translation>
    </message>
    <message>
        <source>Name</source>
        <comment>of a company number</comment>
        <translation>Название</translation>
    </message>
    <message>
        <source>Company &amp;numbers</source>
        <translation>Номера &amp;компании</translation>
    </message>
    <message>
        <source>&amp;Set caller ID</source>
        <translation>&amp;Назначить АОН</translation>
    </message>
    <message>
        <source>&amp;Remove caller ID</source>
        <translation>&amp;Убрать АОН</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Отменено.</translation>
    </message>
    <message>
        <source>Cancelled. If the request reached the PBX, the change may still be made.</source>
        <translation>Отменено. Если запрос дошёл до АТС, изменение всё же может быть выполнено.</translation>
    </message>
    <message>
        <source>Employees: {employees}. Departments: {groups}. Numbers: {numbers}.</source>
        <translation>Сотрудников: {employees}. Отделов: {groups}. Номеров: {numbers}.</translation>
    </message>
    <message>
        <source>Choose an employee first.</source>
        <translation>Сначала выберите сотрудника.</translation>
    </message>
    <message>
        <source>Choose one of the company&apos;s numbers first.</source>
        <translation>Сначала выберите один из номеров компании.</translation>
    </message>
    <message>
        <source>Set caller ID</source>
        <translation>Назначить АОН</translation>
    </message>
    <message>
        <source>Set the caller ID of {employee} to {number}? The people {employee} calls will see this number.</source>
        <translation>Назначить сотруднику {employee} АОН {number}? Этот номер увидят те, кому звонит {employee}.</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>Ничего не изменено.</translation>
    </message>
    <message>
        <source>{employee} now calls from {number}.</source>
        <translation>{employee} теперь звонит с номера {number}.</translation>
    </message>
    <message>
        <source>Remove caller ID</source>
        <translation>Убрать АОН</translation>
    </message>
    <message>
        <source>Remove the personal caller ID of {employee}? The PBX&apos;s default number will be shown.</source>
        <translation>Убрать личный АОН сотрудника {employee}? Будет показываться номер АТС по умолчанию.</translation>
    </message>
    <message>
        <source>The personal caller ID of {employee} was removed.</source>
        <translation>Личный АОН сотрудника {employee} убран.</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <source>Time</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>Клиент</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Контакт</translation>
    </message>
    <message>
        <source>Employee</source>
        <translation>Сотрудник</translation>
    </message>
    <message>
        <source>PBX number</source>
        <translation>Номер АТС</translation>
    </message>
    <message>
        <source>Wait</source>
        <translation>Ожидание</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Длительность</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>Запись</translation>
    </message>
    <message>
        <source>Incoming</source>
        <translation>Входящий</translation>
    </message>
    <message>
        <source>Outgoing</source>
        <translation>Исходящий</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>Пропущенный</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Неизвестно</translation>
    </message>
</context>
<context>
    <name>HistoryWindow</name>
    <message>
        <source>Call history</source>
        <translation>История звонков</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Отменено.</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Сегодня</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Вчера</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>Эта неделя</translation>
    </message>
    <message>
        <source>Last week</source>
        <translation>Прошлая неделя</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>Этот месяц</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>Прошлый месяц</translation>
    </message>
    <message>
        <source>Custom dates</source>
        <translation>Произвольный период</translation>
    </message>
    <message>
        <source>&amp;Period:</source>
        <translation>&amp;Период:</translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation>&amp;С:</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation>П&amp;о:</translation>
    </message>
    <message>
        <source>All calls</source>
        <translation>Все звонки</translation>
    </message>
    <message>
        <source>Incoming</source>
        <translation>Входящие</translation>
    </message>
    <message>
        <source>Outgoing</source>
        <translation>Исходящие</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>Пропущенные</translation>
    </message>
    <message>
        <source>T&amp;ype:</source>
        <translation>&amp;Тип:</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>без ограничений</translation>
    </message>
    <message>
        <source>Li&amp;mit:</source>
        <translation>&amp;Лимит:</translation>
    </message>
    <message>
        <source>&amp;Load</source>
        <translation>&amp;Загрузить</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Number in any form, or a name</source>
        <translation>Номер в любом виде или имя</translation>
    </message>
    <message>
        <source>&amp;Search:</source>
        <translation>По&amp;иск:</translation>
    </message>
    <message>
        <source>&amp;Export CSV…</source>
        <translation>&amp;Экспорт в CSV…</translation>
    </message>
    <message>
        <source>Position in the recording</source>
        <translation>Позиция в записи</translation>
    </message>
    <message>
        <source>&amp;Download…</source>
        <translation>С&amp;качать…</translation>
    </message>
    <message>
        <source>&amp;Copy link</source>
        <translation>Копи&amp;ровать ссылку</translation>
    </message>
    <message>
        <source>The start of the period is after its end.</source>
        <translation>Начало периода позже его окончания.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Загрузка…</translation>
    </message>
    <message>
        <source>{count} calls loaded.</source>
        <translation>Загружено звонков: {count}.</translation>
    </message>
    <message>
        <source>The PBX sent the newest {limit} calls: raise the limit to see more.</source>
        <translation>АТС прислала последние звонки ({limit}): увеличьте лимит, чтобы увидеть больше.</translation>
    </message>
    <message>
        <source>Could not load the history: {error}</source>
        <translation>Не удалось загрузить историю: {error}</translation>
    </message>
    <message>
        <source>Loading cancelled.</source>
        <translation>Загрузка отменена.</translation>
    </message>
    <message>
        <source>Press Load to fetch calls of this type.</source>
        <translation>Нажмите «Загрузить», чтобы получить звонки этого типа.</translation>
    </message>
    <message>
        <source>{total} calls</source>
        <translation>Звонков: {total}</translation>
    </message>
    <message>
        <source>{shown} of {total} calls</source>
        <translation>Показано {shown} из {total}</translation>
    </message>
    <message>
        <source>This call has no number to call back.</source>
        <translation>У этого звонка нет номера, на который можно перезвонить.</translation>
    </message>
    <message>
        <source>Export calls</source>
        <translation>Экспорт звонков</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Экспорт…</translation>
    </message>
    <message>
        <source>Cannot write {path}: {reason}</source>
        <translation>Не удалось записать {path}: {reason}</translation>
    </message>
    <message>
        <source>{count} calls saved to {path}</source>
        <translation>Сохранено звонков: {count}. Файл: {path}</translation>
    </message>
    <message>
        <source>Recordings are not available: the PBX is not set up.</source>
        <translation>Записи разговоров недоступны: АТС не настроена.</translation>
    </message>
    <message>
        <source>Choose a call with a recording.</source>
        <translation>Выберите звонок с записью разговора.</translation>
    </message>
    <message>
        <source>Downloading the recording…</source>
        <translation>Скачивание записи…</translation>
    </message>
    <message>
        <source>Save the recording</source>
        <translation>Сохранить запись разговора</translation>
    </message>
    <message>
        <source>Audio files (*{suffix})</source>
        <translation>Аудиофайлы (*{suffix})</translation>
    </message>
    <message>
        <source>Recording saved to {path}</source>
        <translation>Запись сохранена: {path}</translation>
    </message>
    <message>
        <source>Recording of {time}, {client}.</source>
        <translation>Запись от {time}, {client}.</translation>
    </message>
    <message>
        <source>No sound device was found: nothing will be heard. Download the recording to play it elsewhere.</source>
        <translation>Звуковое устройство не найдено, звука не будет. Скачайте запись, чтобы прослушать её в другой программе.</translation>
    </message>
    <message>
        <source>Link copied.</source>
        <translation>Ссылка скопирована.</translation>
    </message>
    <message>
        <source>Pa&amp;use</source>
        <translation>Па&amp;уза</translation>
    </message>
    <message>
        <source>Pl&amp;ay</source>
        <translation>&amp;Воспроизвести</translation>
    </message>
    <message>
        <source>Cannot play the recording: {error}</source>
        <translation>Не удалось воспроизвести запись: {error}</translation>
    </message>
    <message>
        <source>This recording cannot be played.</source>
        <translation>Эту запись не удаётся воспроизвести.</translation>
    </message>
</context>
<context>
    <name>MissedCalls</name>
    <message>
        <source>Line: {number}</source>
        <translation>Линия: {number}</translation>
    </message>
    <message>
        <source>Hidden number</source>
        <translation>Скрытый номер</translation>
    </message>
</context>
<context>
    <name>MissedCallsWindow</name>
    <message>
        <source>Missed calls</source>
        <translation>Пропущенные звонки</translation>
    </message>
    <message>
        <source>No missed calls</source>
        <translation>Пропущенных звонков нет</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>Перезвонить</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>Очистить список</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
</context>
<context>
    <name>PbxRequests</name>
    <message>
        <source>Unexpected error: {error}. Details are in the log.</source>
        <translation>Непредвиденная ошибка: {error}. Подробности в журнале.</translation>
    </message>
</context>
<context>
    <name>RulesTab</name>
    <message>
        <source>A robot report that matches a rule puts its call on the call-back list. A rule matches when all its filled conditions hold: the campaign (0: any), the result, the final attempt, and a variable equal to a value (case and extra spaces ignored; an empty value matches a missing answer).</source>
        <translation>Отчёт робота, подходящий под правило, добавляет звонок в список «Перезвонить». Правило срабатывает, когда выполнены все заполненные условия: кампания (0 — любая), результат, последняя попытка и переменная, равная значению (регистр и лишние пробелы не важны; пустое значение означает отсутствие ответа).</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Название</translation>
    </message>
    <message>
        <source>Campaign</source>
        <translation>Кампания</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Результат</translation>
    </message>
    <message>
        <source>Final attempt only</source>
        <translation>Только последняя попытка</translation>
    </message>
    <message>
        <source>Variable</source>
        <translation>Переменная</translation>
    </message>
    <message>
        <source>Equals</source>
        <translation>Равна</translation>
    </message>
    <message>
        <source>&amp;New rule</source>
        <translation>&amp;Новое правило</translation>
    </message>
    <message>
        <source>&amp;Delete rule</source>
        <translation>&amp;Удалить правило</translation>
    </message>
    <message>
        <source>&amp;Save rules</source>
        <translation>&amp;Сохранить правила</translation>
    </message>
    <message>
        <source>e.g. Wants another date</source>
        <translation>например: Хочет другую дату</translation>
    </message>
    <message>
        <source>any</source>
        <translation>любая</translation>
    </message>
    <message>
        <source>e.g. someAnswer</source>
        <translation>например: someAnswer</translation>
    </message>
    <message>
        <source>Saved. {count} reported calls added to the call-back list.</source>
        <translation>Сохранено. В список «Перезвонить» добавлено звонков: {count}.</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Сохранено.</translation>
    </message>
</context>
<context>
    <name>SettingsWindow</name>
    <message>
        <source>Gravitel Desk settings</source>
        <translation>Настройки Gravitel Desk</translation>
    </message>
    <message>
        <source>PBX account</source>
        <translation>Учётная запись АТС</translation>
    </message>
    <message>
        <source>API address</source>
        <translation>Адрес API</translation>
    </message>
    <message>
        <source>Domain</source>
        <translation>Домен</translation>
    </message>
    <message>
        <source>My extension</source>
        <translation>Мой внутренний номер</translation>
    </message>
    <message>
        <source>Recording hosts</source>
        <translation>Серверы записей</translation>
    </message>
    <message>
        <source>API token</source>
        <translation>API-токен</translation>
    </message>
    <message>
        <source>Webhooks from the PBX</source>
        <translation>Вебхуки от АТС</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Копировать</translation>
    </message>
    <message>
        <source>Address for the PBX</source>
        <translation>Адрес для АТС</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>CRM token</source>
        <translation>Токен CRM</translation>
    </message>
    <message>
        <source>Listen on address</source>
        <translation>Адрес прослушивания</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>Порт</translation>
    </message>
    <message>
        <source>Path prefix</source>
        <translation>Префикс пути</translation>
    </message>
    <message>
        <source>Public address</source>
        <translation>Внешний адрес</translation>
    </message>
    <message>
        <source>TLS certificate (PEM)</source>
        <translation>Сертификат TLS (PEM)</translation>
    </message>
    <message>
        <source>TLS key (PEM)</source>
        <translation>Ключ TLS (PEM)</translation>
    </message>
    <message>
        <source>Caller cards</source>
        <translation>Карточки звонящего</translation>
    </message>
    <message>
        <source>My calls only</source>
        <translation>Только для моих звонков</translation>
    </message>
    <message>
        <source>All calls</source>
        <translation>Для всех звонков</translation>
    </message>
    <message>
        <source>Bottom right</source>
        <translation>Справа внизу</translation>
    </message>
    <message>
        <source>Bottom left</source>
        <translation>Слева внизу</translation>
    </message>
    <message>
        <source>Top right</source>
        <translation>Справа вверху</translation>
    </message>
    <message>
        <source>Top left</source>
        <translation>Слева вверху</translation>
    </message>
    <message>
        <source>Ring sound</source>
        <translation>Звук звонка</translation>
    </message>
    <message>
        <source>Create a contact for unknown numbers after a call</source>
        <translation>Создавать контакт для неизвестного номера после звонка</translation>
    </message>
    <message>
        <source>Show cards for</source>
        <translation>Показывать карточки</translation>
    </message>
    <message>
        <source>Corner</source>
        <translation>Угол экрана</translation>
    </message>
    <message>
        <source>CRM link</source>
        <translation>Ссылка на CRM</translation>
    </message>
    <message>
        <source>Interface</source>
        <translation>Интерфейс</translation>
    </message>
    <message>
        <source>As the system</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <source>Language (after restart)</source>
        <translation>Язык (после перезапуска)</translation>
    </message>
    <message>
        <source>Warn when the balance is below</source>
        <translation>Предупреждать, если баланс ниже</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Сохранить</translation>
    </message>
    <message>
        <source>Could not save {file}: {reason}</source>
        <translation>Не удалось сохранить {file}: {reason}</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Сохранено.</translation>
    </message>
    <message>
        <source>running</source>
        <translation>работает</translation>
    </message>
    <message>
        <source>last webhook {time}</source>
        <translation>последний вебхук {time}</translation>
    </message>
    <message>
        <source>no webhooks yet</source>
        <translation>вебхуков ещё не было</translation>
    </message>
    <message>
        <source>{count} received, {errors} refused</source>
        <translation>получено: {count}, отклонено: {errors}</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>остановлен</translation>
    </message>
</context>
<context>
    <name>SmsWindow</name>
    <message>
        <source>Send SMS</source>
        <translation>Отправить SMS</translation>
    </message>
    <message>
        <source>Number or name, e.g. 8 999 123-45-67</source>
        <translation>Номер или имя, например 8 999 123-45-67</translation>
    </message>
    <message>
        <source>&amp;Number</source>
        <translation>&amp;Номер</translation>
    </message>
    <message>
        <source>&amp;Template</source>
        <translation>&amp;Шаблон</translation>
    </message>
    <message>
        <source>T&amp;ext</source>
        <translation>&amp;Текст</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Отправить</translation>
    </message>
    <message>
        <source>Insert a template…</source>
        <translation>Вставить шаблон…</translation>
    </message>
    <message>
        <source>No templates in the settings</source>
        <translation>В настройках нет шаблонов</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Отправка…</translation>
    </message>
    <message>
        <source>Cancelled. If the request reached the PBX, the SMS may still be sent.</source>
        <translation>Отменено. Если запрос успел дойти до АТС, SMS всё равно может быть отправлено.</translation>
    </message>
    <message>
        <source>Enter the number to send the SMS to.</source>
        <translation>Введите номер получателя SMS.</translation>
    </message>
    <message>
        <source>Enter the text of the SMS.</source>
        <translation>Введите текст SMS.</translation>
    </message>
    <message>
        <source>SMS sent to {number}.</source>
        <translation>SMS отправлено: {number}.</translation>
    </message>
    <message>
        <source>{used} characters · {parts} SMS · {left} left</source>
        <translation>Символов: {used} · SMS: {parts} · осталось: {left}</translation>
    </message>
    <message>
        <source>Latin alphabet: 160 characters per SMS, 153 per part when longer</source>
        <translation>Латиница: 160 символов в SMS, в длинном — 153 на часть</translation>
    </message>
    <message>
        <source>Cyrillic or other Unicode: 70 characters per SMS, 67 per part when longer</source>
        <translation>Кириллица и др.: 70 символов в SMS, в длинном — 67 на часть</translation>
    </message>
</context>
<context>
    <name>StatusWindow</name>
    <message>
        <source>Gravitel Desk</source>
        <translation>Gravitel Desk</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Выход</translation>
    </message>
    <message>
        <source>Listener</source>
        <translation>Приёмник</translation>
    </message>
    <message>
        <source>Address for the PBX</source>
        <translation>Адрес для АТС</translation>
    </message>
    <message>
        <source>PBX</source>
        <translation>АТС</translation>
    </message>
    <message>
        <source>Missed calls</source>
        <translation>Пропущенные звонки</translation>
    </message>
</context>
<context>
    <name>TokenRow</name>
    <message>
        <source>paste a new token</source>
        <translation>новый токен</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Создать</translation>
    </message>
    <message>
        <source>Create a random token and copy it, to paste into the PBX&apos;s integration settings</source>
        <translation>Создать случайный токен и скопировать его, чтобы вставить в настройки интеграции АТС</translation>
    </message>
    <message>
        <source>Save token</source>
        <translation>Сохранить токен</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>from the environment variable {name}</source>
        <translation>из переменной окружения {name}</translation>
    </message>
    <message>
        <source>stored in the system keyring</source>
        <translation>хранится в системном хранилище ключей</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>не задан</translation>
    </message>
    <message>
        <source>stored in the system keyring; copied: paste it into the PBX</source>
        <translation>сохранён в системном хранилище ключей и скопирован: вставьте его в настройки АТС</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Status</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Missed calls: {count}</source>
        <translation>Пропущенные звонки: {count}</translation>
    </message>
    <message>
        <source>Do not disturb</source>
        <translation>Не беспокоить</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Выход</translation>
    </message>
    <message>
        <source>Missed call</source>
        <translation>Пропущенный звонок</translation>
    </message>
</context>
<context>
    <name>balance</name>
    <message>
        <source>The PBX allows one balance request every {window} min and refused this one. Try again in {minutes} min.</source>
        <translation>АТС разрешает запрашивать баланс раз в {window} мин и отклонила этот запрос. Повторите через {minutes} мин.</translation>
    </message>
    <message>
        <source>The PBX allows one balance request every {window} min. Try again in {minutes} min.</source>
        <translation>АТС разрешает запрашивать баланс раз в {window} мин. Повторите через {minutes} мин.</translation>
    </message>
</context>
<context>
    <name>call_list</name>
    <message>
        <source>{file}: {rows} rows, {ready} ready to send, {bad} with problems.</source>
        <translation>{file}: строк {rows}, готовы к отправке {ready}, с ошибками {bad}.</translation>
    </message>
    <message>
        <source>... and {count} more rows with problems</source>
        <translation>... и ещё строк с ошибками: {count}</translation>
    </message>
    <message>
        <source>{file} has no number column (expected a column named Number, Phone, Телефон or Номер; found: {columns})</source>
        <translation>В {file} нет столбца с номером (нужен столбец Телефон, Номер, Number или Phone; найдены: {columns})</translation>
    </message>
    <message>
        <source>{file}: the column {name} appears twice</source>
        <translation>{file}: столбец {name} встречается дважды</translation>
    </message>
    <message>
        <source>The id {id} is already on line {line}</source>
        <translation>ID {id} уже есть в строке {line}</translation>
    </message>
    <message>
        <source>The id {id} was queued before</source>
        <translation>Звонок с ID {id} уже ставился в очередь</translation>
    </message>
    <message>
        <source>The number {number} is already on line {line}</source>
        <translation>Номер {number} уже есть в строке {line}</translation>
    </message>
    <message>
        <source>The number {number} is still waiting in campaign {campaign} (call {id})</source>
        <translation>Номер {number} ещё ждёт звонка в кампании {campaign} (звонок {id})</translation>
    </message>
    <message>
        <source>No phone number</source>
        <translation>Нет номера телефона</translation>
    </message>
    <message>
        <source>{number} is an extension: the robot calls outside numbers</source>
        <translation>{number} — внутренний номер, а робот звонит на внешние</translation>
    </message>
</context>
<context>
    <name>call_log</name>
    <message>
        <source>Invalid {field}: {value}</source>
        <translation>Недопустимое значение {field}: {value}</translation>
    </message>
</context>
<context>
    <name>campaigns</name>
    <message>
        <source>{count} calls ({first} … {last}) not queued: {reason}</source>
        <translation>Звонки ({count}: {first} … {last}) не поставлены в очередь: {reason}</translation>
    </message>
    <message>
        <source>Nothing to send: every call of the campaign is queued.</source>
        <translation>Отправлять нечего: все звонки кампании уже в очереди.</translation>
    </message>
    <message>
        <source>Queued {count} calls.</source>
        <translation>Поставлено в очередь звонков: {count}.</translation>
    </message>
    <message>
        <source>Queued {sent} of {total} calls; {left} are not queued yet: send again to retry them.</source>
        <translation>Поставлено в очередь {sent} из {total} звонков; ещё не в очереди: {left} — отправьте снова, чтобы повторить.</translation>
    </message>
    <message>
        <source>could not ask the PBX whether an earlier send arrived: {reason}</source>
        <translation>не удалось узнать у АТС, дошла ли прошлая отправка: {reason}</translation>
    </message>
    <message>
        <source>The PBX does not know this call.</source>
        <translation>АТС не знает этот звонок.</translation>
    </message>
    <message>
        <source>Cannot reach the relay at {url}: {reason}</source>
        <translation>Не удаётся связаться с ретранслятором {url}: {reason}</translation>
    </message>
    <message>
        <source>The relay refused the request: {reason}</source>
        <translation>Ретранслятор отклонил запрос: {reason}</translation>
    </message>
    <message>
        <source>The call {id} is not on the relay&apos;s call-back list.</source>
        <translation>Звонка {id} нет в списке «Перезвонить» ретранслятора.</translation>
    </message>
</context>
<context>
    <name>cli</name>
    <message>
        <source>The campaign id must be a positive whole number.</source>
        <translation>ID кампании должен быть целым положительным числом.</translation>
    </message>
    <message>
        <source>No API token: set it with &apos;gravitel-desk token set api&apos;.</source>
        <translation>Нет API-токена: задайте его командой &apos;gravitel-desk token set api&apos;.</translation>
    </message>
    <message>
        <source>Your extension is not set: pbx.extension in {file}.</source>
        <translation>Не задан ваш внутренний номер: pbx.extension в {file}.</translation>
    </message>
</context>
<context>
    <name>contacts</name>
    <message>
        <source>No contact with id {id}</source>
        <translation>Контакт с id {id} не найден</translation>
    </message>
    <message>
        <source>No name and no company</source>
        <translation>Не указаны ни имя, ни компания</translation>
    </message>
    <message>
        <source>The manager must be an extension number, not {manager}</source>
        <translation>Менеджер указывается внутренним номером, а не {manager}</translation>
    </message>
    <message>
        <source>Not an e-mail address: {email}</source>
        <translation>Это не адрес электронной почты: {email}</translation>
    </message>
    <message>
        <source>Not a web address: {url}</source>
        <translation>Это не веб-адрес: {url}</translation>
    </message>
</context>
<context>
    <name>contacts_io</name>
    <message>
        <source>Added: {added}, updated: {updated}, unchanged: {unchanged}, skipped: {skipped}.</source>
        <translation>Добавлено: {added}, обновлено: {updated}, без изменений: {unchanged}, пропущено: {skipped}.</translation>
    </message>
    <message>
        <source>... and {count} more skipped rows</source>
        <translation>... и ещё пропущено строк: {count}</translation>
    </message>
    <message>
        <source>{file} is not a vCard file</source>
        <translation>{file} — не файл vCard</translation>
    </message>
    <message>
        <source>{file} is neither a CSV nor a vCard file</source>
        <translation>{file} — не файл CSV и не vCard</translation>
    </message>
    <message>
        <source>{file} has no phone column (expected a column named Phone or Телефон; found: {columns})</source>
        <translation>В {file} нет столбца с телефоном (нужен столбец Phone или Телефон; найдены: {columns})</translation>
    </message>
    <message>
        <source>No phone number</source>
        <translation>Нет номера телефона</translation>
    </message>
    <message>
        <source>The card has no END:VCARD</source>
        <translation>В карточке нет строки END:VCARD</translation>
    </message>
</context>
<context>
    <name>csv</name>
    <message>
        <source>Cannot write {file}: {reason}</source>
        <translation>Не удалось записать {file}: {reason}</translation>
    </message>
    <message>
        <source>{file} is empty</source>
        <translation>Файл {file} пуст</translation>
    </message>
    <message>
        <source>{file} is not a text file</source>
        <translation>{file} — не текстовый файл</translation>
    </message>
    <message>
        <source>{file} mixes UTF-8 and Windows-1251 text (UTF-8 on line {line}); save it again in one encoding</source>
        <translation>В файле {file} смешаны кодировки UTF-8 и Windows-1251 (UTF-8 в строке {line}); сохраните его заново в одной кодировке</translation>
    </message>
    <message>
        <source>{file} is a folder, not a file</source>
        <translation>{file} — это папка, а не файл</translation>
    </message>
    <message>
        <source>Cannot read {file}: {reason}</source>
        <translation>Не удалось прочитать {file}: {reason}</translation>
    </message>
    <message>
        <source>{file}: unknown text encoding; save it as CSV UTF-8 or Windows-1251</source>
        <translation>{file}: неизвестная кодировка текста; сохраните файл как CSV UTF-8 или Windows-1251</translation>
    </message>
    <message>
        <source>Line {line}: {reason}</source>
        <translation>Строка {line}: {reason}</translation>
    </message>
    <message>
        <source>Broken CSV: {reason}</source>
        <translation>Некорректный CSV: {reason}</translation>
    </message>
    <message>
        <source>Excel turned the number {number} into scientific notation; format the phone column as text</source>
        <translation>Excel превратил номер {number} в экспоненциальную запись; задайте для столбца с телефонами текстовый формат</translation>
    </message>
</context>
<context>
    <name>csv_formats</name>
    <message>
        <source>CSV, UTF-8 (*.csv)</source>
        <translation>CSV, UTF-8 (*.csv)</translation>
    </message>
    <message>
        <source>CSV, Windows-1251, for older Excel (*.csv)</source>
        <translation>CSV, Windows-1251, для старых версий Excel (*.csv)</translation>
    </message>
</context>
<context>
    <name>listener</name>
    <message>
        <source>No CRM token is set, so webhooks from the PBX cannot be checked. Set it with: gravitel-desk token set crm</source>
        <translation>Не задан токен CRM, поэтому вебхуки от АТС нельзя проверить. Задайте его командой: gravitel-desk token set crm</translation>
    </message>
    <message>
        <source>Port {port} on {host} is already in use. Close the other program or choose another listener port.</source>
        <translation>Порт {port} на {host} уже занят. Закройте другую программу или выберите другой порт приёмника.</translation>
    </message>
    <message>
        <source>Cannot listen on {host}:{port}: {reason}</source>
        <translation>Не удалось начать приём на {host}:{port}: {reason}</translation>
    </message>
    <message>
        <source>Cannot load the TLS certificate {cert} with key {key}: {reason}</source>
        <translation>Не удалось загрузить сертификат TLS {cert} с ключом {key}: {reason}</translation>
    </message>
    <message>
        <source>Set both the TLS certificate and key (HTTPS), or neither (HTTP).</source>
        <translation>Укажите и сертификат TLS, и ключ (HTTPS) или не указывайте ни то, ни другое (HTTP).</translation>
    </message>
    <message>
        <source>The path prefix must start with &quot;/&quot; and not end with it, e.g. &quot;/gravitel&quot; (got &quot;{prefix}&quot;).</source>
        <translation>Префикс пути должен начинаться с «/» и не заканчиваться им, например «/gravitel» (указано: «{prefix}»).</translation>
    </message>
    <message>
        <source>Cannot open the database {path}: {reason}</source>
        <translation>Не удалось открыть базу данных {path}: {reason}</translation>
    </message>
</context>
<context>
    <name>pbx</name>
    <message>
        <source>The PBX rejected the request parameters.</source>
        <translation>АТС отклонила параметры запроса.</translation>
    </message>
    <message>
        <source>The PBX rejected the request parameters: {detail}</source>
        <translation>АТС отклонила параметры запроса: {detail}</translation>
    </message>
    <message>
        <source>The PBX refused the API token. Check the token in the settings.</source>
        <translation>АТС не приняла API-токен. Проверьте токен в настройках.</translation>
    </message>
    <message>
        <source>The PBX did not accept the request (validation error).</source>
        <translation>АТС не приняла запрос (ошибка проверки данных).</translation>
    </message>
    <message>
        <source>The PBX did not accept the request (validation error): {detail}</source>
        <translation>АТС не приняла запрос (ошибка проверки данных): {detail}</translation>
    </message>
    <message>
        <source>Too many requests to the PBX. Try again later.</source>
        <translation>Слишком много запросов к АТС. Повторите позже.</translation>
    </message>
    <message>
        <source>The SMS gateway could not send the message.</source>
        <translation>SMS-шлюз не смог отправить сообщение.</translation>
    </message>
    <message>
        <source>The SMS gateway could not send the message: {detail}</source>
        <translation>SMS-шлюз не смог отправить сообщение: {detail}</translation>
    </message>
    <message>
        <source>The PBX reported an error (HTTP {status}).</source>
        <translation>АТС сообщила об ошибке (HTTP {status}).</translation>
    </message>
    <message>
        <source>The PBX reported an error (HTTP {status}): {detail}</source>
        <translation>АТС сообщила об ошибке (HTTP {status}): {detail}</translation>
    </message>
    <message>
        <source>The PBX answered with an unexpected HTTP status {status}.</source>
        <translation>АТС вернула неожиданный HTTP-статус {status}.</translation>
    </message>
    <message>
        <source>The PBX answered with an unexpected HTTP status {status}: {detail}</source>
        <translation>АТС вернула неожиданный HTTP-статус {status}: {detail}</translation>
    </message>
    <message>
        <source>Employee {extension} was not found on the PBX.</source>
        <translation>Сотрудник {extension} не найден в АТС.</translation>
    </message>
    <message>
        <source>Employee {extension} was not found on the PBX: {detail}</source>
        <translation>Сотрудник {extension} не найден в АТС: {detail}</translation>
    </message>
    <message>
        <source>Campaign {cid} was not found on the PBX.</source>
        <translation>Кампания {cid} не найдена в АТС.</translation>
    </message>
    <message>
        <source>Campaign {cid} was not found on the PBX: {detail}</source>
        <translation>Кампания {cid} не найдена в АТС: {detail}</translation>
    </message>
    <message>
        <source>Campaign {cid} or its call {call_id} was not found on the PBX.</source>
        <translation>Кампания {cid} или её звонок {call_id} не найдены в АТС.</translation>
    </message>
    <message>
        <source>Campaign {cid} or its call {call_id} was not found on the PBX: {detail}</source>
        <translation>Кампания {cid} или её звонок {call_id} не найдены в АТС: {detail}</translation>
    </message>
    <message>
        <source>The PBX does not know this address. Check the API address and the domain.</source>
        <translation>АТС не знает такого адреса. Проверьте адрес API и домен.</translation>
    </message>
    <message>
        <source>The PBX does not know this address. Check the API address and the domain: {detail}</source>
        <translation>АТС не знает такого адреса. Проверьте адрес API и домен: {detail}</translation>
    </message>
    <message>
        <source>Could not connect to the PBX at {host} in time.</source>
        <translation>Истекло время ожидания подключения к АТС {host}.</translation>
    </message>
    <message>
        <source>The PBX did not answer in time. The request may still have been carried out.</source>
        <translation>АТС не ответила вовремя. Возможно, запрос всё же выполнен.</translation>
    </message>
    <message>
        <source>The PBX did not answer in time.</source>
        <translation>АТС не ответила вовремя.</translation>
    </message>
    <message>
        <source>The TLS certificate of {host} could not be verified: {reason}</source>
        <translation>Не удалось проверить сертификат TLS {host}: {reason}</translation>
    </message>
    <message>
        <source>Cannot connect to the PBX at {host}: {reason}</source>
        <translation>Не удалось подключиться к АТС {host}: {reason}</translation>
    </message>
    <message>
        <source>The connection to the PBX broke. The request may still have been carried out.</source>
        <translation>Соединение с АТС прервалось. Возможно, запрос всё же выполнен.</translation>
    </message>
    <message>
        <source>The connection to the PBX broke.</source>
        <translation>Соединение с АТС прервалось.</translation>
    </message>
    <message>
        <source>Cannot talk to the PBX at {host}: {reason}</source>
        <translation>Ошибка связи с АТС {host}: {reason}</translation>
    </message>
    <message>
        <source>The PBX sent an answer that cannot be read: {reason}</source>
        <translation>АТС прислала ответ, который не удалось разобрать: {reason}</translation>
    </message>
    <message>
        <source>The PBX API address must be an http:// or https:// URL, not &quot;{url}&quot;.</source>
        <translation>Адрес API АТС должен быть URL вида http:// или https://, а не «{url}».</translation>
    </message>
    <message>
        <source>The PBX domain is not set (e.g. example.aicall.ru).</source>
        <translation>Не задан домен АТС (например, example.aicall.ru).</translation>
    </message>
    <message>
        <source>The PBX domain &quot;{domain}&quot; is not valid.</source>
        <translation>Недопустимый домен АТС: «{domain}».</translation>
    </message>
    <message>
        <source>The PBX API token is not set.</source>
        <translation>Не задан API-токен АТС.</translation>
    </message>
    <message>
        <source>The PBX API token must be one line of ASCII characters without spaces.</source>
        <translation>API-токен АТС должен быть одной строкой из символов ASCII без пробелов.</translation>
    </message>
    <message>
        <source>The SMS text is empty.</source>
        <translation>Текст SMS пуст.</translation>
    </message>
    <message>
        <source>There are no calls to add to the campaign.</source>
        <translation>Нет звонков для добавления в кампанию.</translation>
    </message>
    <message>
        <source>The call id {id} appears twice in the campaign list.</source>
        <translation>Звонок с id {id} встречается в списке кампании дважды.</translation>
    </message>
    <message>
        <source>The start of the period is after its end.</source>
        <translation>Начало периода позже его окончания.</translation>
    </message>
    <message>
        <source>The number of calls to fetch must be a positive whole number.</source>
        <translation>Количество запрашиваемых звонков должно быть целым положительным числом.</translation>
    </message>
    <message>
        <source>Not an employee extension: &quot;{extension}&quot;</source>
        <translation>Это не внутренний номер сотрудника: «{extension}»</translation>
    </message>
    <message>
        <source>The campaign id must be a positive whole number, not &quot;{cid}&quot;.</source>
        <translation>ID кампании должен быть целым положительным числом, а не «{cid}».</translation>
    </message>
    <message>
        <source>The campaign call id is empty.</source>
        <translation>Не указан ID звонка в кампании.</translation>
    </message>
</context>
<context>
    <name>phone</name>
    <message>
        <source>Not a phone number: {number}</source>
        <translation>Это не номер телефона: {number}</translation>
    </message>
</context>
<context>
    <name>recordings</name>
    <message>
        <source>Not a recording link: {url}</source>
        <translation>Это не ссылка на запись разговора: {url}</translation>
    </message>
    <message>
        <source>The recording server {host} did not answer in time.</source>
        <translation>Сервер записей {host} не ответил вовремя.</translation>
    </message>
    <message>
        <source>Cannot download the recording from {host}: {reason}</source>
        <translation>Не удалось скачать запись с {host}: {reason}</translation>
    </message>
    <message>
        <source>The recording link redirects too many times.</source>
        <translation>Слишком много перенаправлений по ссылке на запись.</translation>
    </message>
    <message>
        <source>The recording server {host} refused access (HTTP {status}).</source>
        <translation>Сервер записей {host} отказал в доступе (HTTP {status}).</translation>
    </message>
    <message>
        <source>The recording is no longer available (HTTP {status}).</source>
        <translation>Запись больше недоступна (HTTP {status}).</translation>
    </message>
    <message>
        <source>The recording server {host} answered HTTP {status}.</source>
        <translation>Сервер записей {host} вернул ответ HTTP {status}.</translation>
    </message>
    <message>
        <source>The recording is larger than {limit} MB; it was not downloaded.</source>
        <translation>Запись больше {limit} МБ и не была скачана.</translation>
    </message>
</context>
<context>
    <name>secret_store</name>
    <message>
        <source>No usable keyring ({backend}). Install and unlock a Secret Service keyring (e.g. gnome-keyring or KWallet; on Windows and macOS the system keyring is used), or set {env} for this session.</source>
        <translation>Нет доступного хранилища ключей ({backend}). Установите и разблокируйте хранилище Secret Service (например, gnome-keyring или KWallet; в Windows и macOS используется системное хранилище) или задайте {env} для этого сеанса.</translation>
    </message>
    <message>
        <source>The keyring is locked: unlock it and try again.</source>
        <translation>Хранилище ключей заблокировано: разблокируйте его и повторите попытку.</translation>
    </message>
    <message>
        <source>The keyring failed ({reason}). Unlock or repair it, or set {env}.</source>
        <translation>Ошибка хранилища ключей ({reason}). Разблокируйте или восстановите его либо задайте {env}.</translation>
    </message>
    <message>
        <source>The token is empty.</source>
        <translation>Токен пуст.</translation>
    </message>
    <message>
        <source>The token must be one line without spaces.</source>
        <translation>Токен должен быть одной строкой без пробелов.</translation>
    </message>
</context>
<context>
    <name>settings</name>
    <message>
        <source>{file}: {key}: {reason}</source>
        <translation>{file}: {key}: {reason}</translation>
    </message>
    <message>
        <source>not UTF-8 text ({error})</source>
        <translation>не текст в UTF-8 ({error})</translation>
    </message>
    <message>
        <source>not valid TOML: {error}</source>
        <translation>ошибка в формате TOML: {error}</translation>
    </message>
    <message>
        <source>cannot read it: {error}</source>
        <translation>не удаётся прочитать: {error}</translation>
    </message>
    <message>
        <source>unknown section</source>
        <translation>неизвестный раздел</translation>
    </message>
    <message>
        <source>must be a table</source>
        <translation>должен быть разделом (таблицей)</translation>
    </message>
    <message>
        <source>unknown key</source>
        <translation>неизвестный параметр</translation>
    </message>
    <message>
        <source>must be true or false</source>
        <translation>должно быть true или false</translation>
    </message>
    <message>
        <source>must be a whole number</source>
        <translation>должно быть целым числом</translation>
    </message>
    <message>
        <source>must be a number</source>
        <translation>должно быть числом</translation>
    </message>
    <message>
        <source>must be a string</source>
        <translation>должно быть строкой</translation>
    </message>
    <message>
        <source>must be a list of tables</source>
        <translation>должно быть списком таблиц</translation>
    </message>
    <message>
        <source>must be a list of strings</source>
        <translation>должно быть списком строк</translation>
    </message>
    <message>
        <source>must be one of {choices}</source>
        <translation>допустимые значения: {choices}</translation>
    </message>
    <message>
        <source>must be an http:// or https:// URL</source>
        <translation>должен быть адресом http:// или https://</translation>
    </message>
    <message>
        <source>not a time zone name such as Europe/Moscow: {zone}</source>
        <translation>не название часового пояса вида Europe/Moscow: {zone}</translation>
    </message>
    <message>
        <source>must be between 0 and 65535</source>
        <translation>должен быть от 0 до 65535</translation>
    </message>
    <message>
        <source>must start with &quot;/&quot; and not end with it, e.g. &quot;/gravitel&quot;</source>
        <translation>должен начинаться с «/» и не заканчиваться им, например «/gravitel»</translation>
    </message>
    <message>
        <source>tls_cert and tls_key must be set together (both = HTTPS, none = HTTP)</source>
        <translation>tls_cert и tls_key задаются вместе (оба — HTTPS, ни одного — HTTP)</translation>
    </message>
    <message>
        <source>not an IP address or network: {address}</source>
        <translation>не IP-адрес и не сеть: {address}</translation>
    </message>
    <message>
        <source>no such file: {file}</source>
        <translation>нет такого файла: {file}</translation>
    </message>
    <message>
        <source>must be between {low} and {high}</source>
        <translation>должно быть от {low} до {high}</translation>
    </message>
    <message>
        <source>must be 0 (any) or a campaign id</source>
        <translation>должно быть 0 (любая) или ID кампании</translation>
    </message>
    <message>
        <source>give a result or a variable: a rule without either would pick every report</source>
        <translation>укажите результат или переменную: правило без них выбрало бы все отчёты</translation>
    </message>
    <message>
        <source>not a domain name such as records.example.ru: {entry}</source>
        <translation>не доменное имя вида records.example.ru: {entry}</translation>
    </message>
</context>
</TS>
